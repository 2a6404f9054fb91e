"""The local cloud's fixture workflow: a stock check, a flaky payment, a DynamoDB write."""

import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


class OutOfStock(Exception):
    pass


class PaymentGatewayBusy(Exception):
    pass


def check_stock(event, context):
    if event["item"] == "unobtainium":
        raise OutOfStock(f"no {event['item']} left")
    return event


def charge_card(event, context):
    # Fails the first `busy_attempts` times for an order, so the state machine's Retry shows.
    attempts = TABLE.update_item(
        Key={"orderId": f"attempts#{event['orderId']}"},
        UpdateExpression="ADD attempts :one",
        ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW",
    )["Attributes"]["attempts"]
    if attempts <= event.get("busy_attempts", 0):
        raise PaymentGatewayBusy(f"attempt {attempts}")
    return {**event, "charged": True, "attempts": int(attempts)}


def record_order(event, context):
    TABLE.put_item(
        Item={"orderId": event["orderId"], "item": event["item"], "total": event["total"]}
    )
    return {**event, "recorded": True}
