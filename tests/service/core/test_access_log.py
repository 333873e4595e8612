import logging

from service.core.access_log import RedactQuerySecrets


def test_oauth_codes_and_states_are_redacted_from_the_access_log() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5000",
            "GET",
            "/v1/auth/twitter/callback?state=abc123&code=SECRETCODE&x=1",
            "1.1",
            302,
        ),
        None,
    )

    RedactQuerySecrets().filter(record)

    message = record.getMessage()
    assert "SECRETCODE" not in message
    assert "abc123" not in message
    assert "code=[redacted]" in message
    assert "x=1" in message
