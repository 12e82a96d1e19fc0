"""The service's log lines: JSON objects, one a line, with the request's id."""

from __future__ import annotations

import json
import logging
import logging.config

import pytest

from contactpoint.logs import REQUEST_ID, JsonFormatter, log_config


def test_a_json_log_line_is_one_object_with_time_level_logger_message_and_request_id() -> None:
    record = logging.LogRecord("contactpoint.requests", logging.INFO, __file__, 1,
                               "%s %s %d", ("GET", "/children/{cp_id}", 200), None)  # fmt: skip
    token = REQUEST_ID.set("abc123")
    try:
        line = JsonFormatter().format(record)
    finally:
        REQUEST_ID.reset(token)

    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "INFO" and parsed["logger"] == "contactpoint.requests"
    assert parsed["message"] == "GET /children/{cp_id} 200"
    assert parsed["request_id"] == "abc123"
    assert parsed["time"].endswith("+00:00")


def test_the_json_setting_configures_every_logger_to_write_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    kept = (root.handlers[:], root.level)
    try:
        logging.config.dictConfig(log_config("json"))
        logging.getLogger("contactpoint.test").warning("outbox: %d sent", 3)
        logging.getLogger("uvicorn.error").info("Started server process")
    finally:
        root.handlers[:], _ = kept
        root.setLevel(kept[1])
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("contactpoint.test", "outbox: 3 sent"),
        ("uvicorn.error", "Started server process"),
    ]
