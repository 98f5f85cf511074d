"""Tiny Books' sandbox: a few accounts, contacts with unique names."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request


def create_sandbox(**options: Any) -> Flask:
    app = Flask("tiny_sandbox")
    contacts: dict[str, dict[str, Any]] = {}
    by_key: dict[str, dict[str, Any]] = {}

    @app.get("/books/<book>/accounts")
    def accounts(book: str) -> Any:
        return jsonify(
            [{"id": 1, "name": "Sales", "code": "400"}, {"id": 2, "name": "Bank", "code": "090"}]
        )

    @app.post("/books/<book>/contacts")
    def create_contacts(book: str) -> Any:
        answers = []
        for element in request.get_json():
            if element["key"] in by_key:
                answers.append(by_key[element["key"]])
                continue
            if any(c["name"] == element["name"] for c in contacts.values()):
                answer = {"error": {"code": "DUP", "message": f"name '{element['name']}' is taken"}}
            else:
                answer = {"id": len(contacts) + 1, "name": element["name"]}
                contacts[str(answer["id"])] = answer
            by_key[element["key"]] = answer
            answers.append(answer)
        return jsonify(answers)

    return app
