"""A REST API imported from OpenAPI keeps each integration's `credentials` role, as on AWS
(localcloud/aws_behaviours/api_integration_credentials.py)."""

from __future__ import annotations

import json
import uuid

from devkit.local_cloud import client

ROLE = "arn:aws:iam::000000000000:role/api-calls-sqs"


def test_an_imported_integration_keeps_its_credentials_role(local_cloud):
    # GIVEN an OpenAPI body whose POST /orders integration names the role API Gateway assumes
    integration = {
        "type": "aws",
        "httpMethod": "POST",
        "uri": "arn:aws:apigateway:us-east-1:sqs:path/000000000000/orders",
        "credentials": ROLE,
        "responses": {"default": {"statusCode": "200"}},
    }
    body = {
        "openapi": "3.0.1",
        "info": {"title": f"credentials-{uuid.uuid4().hex[:8]}", "version": "1"},
        "paths": {
            "/orders": {
                "post": {"x-amazon-apigateway-integration": integration},
                "get": {"x-amazon-apigateway-integration": {"type": "mock"}},
            }
        },
    }
    apigateway = client("apigateway")
    # WHEN it is imported
    api = apigateway.import_rest_api(body=json.dumps(body).encode())
    try:
        orders = next(
            r
            for r in apigateway.get_resources(restApiId=api["id"])["items"]
            if r["path"] == "/orders"
        )
        # THEN GetIntegration shows the role on the method that named it, and none on the other
        post = apigateway.get_integration(
            restApiId=api["id"], resourceId=orders["id"], httpMethod="POST"
        )
        get = apigateway.get_integration(
            restApiId=api["id"], resourceId=orders["id"], httpMethod="GET"
        )
        assert post.get("credentials") == ROLE
        assert "credentials" not in get
    finally:
        apigateway.delete_rest_api(restApiId=api["id"])
