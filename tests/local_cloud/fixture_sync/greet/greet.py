from greeting import WORD


def handler(event, context):
    return {"greeting": f"{WORD} v1"}
