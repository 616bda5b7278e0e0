from __future__ import annotations

from email.message import EmailMessage

import pytest

from retino_core.messaging import FolderMailer, SmtpMailer, list_folder_messages, parse_smtp_url
from retino_core.messaging.mailer import SmtpSettings


def make_message(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "Módní Shop <returns@example.test>"
    message["To"] = "Petr Dvořák <petr@example.test>"
    message["Message-ID"] = f"<{subject}@example.test>"
    message.set_content("Dobrý den")
    return message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.test", SmtpSettings("mail.example.test", 25, False, False, "", "")),
        ("smtps://user:p%40ss@mail.example.test", SmtpSettings("mail.example.test", 465, True, False, "user", "p@ss")),
        (
            "smtp://user:secret@mail.example.test:587?starttls=1",
            SmtpSettings("mail.example.test", 587, False, True, "user", "secret"),
        ),
    ],
)
def test_smtp_url_is_parsed(url, expected):
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example.test", "smtp://", "smtps://h?starttls=1"])
def test_bad_smtp_url_is_refused(url):
    with pytest.raises(ValueError):  # noqa: PT011
        parse_smtp_url(url)


def test_smtp_mailer_delivers_to_a_real_server(smtp_server):
    # when
    SmtpMailer(smtp_server.url, timeout=5).send(make_message("hello"))
    # then
    [received] = smtp_server.received
    assert received.recipients == ["petr@example.test"]
    assert received.message["Subject"] == "hello"
    assert received.message["To"].addresses[0].display_name == "Petr Dvořák"


def test_folder_mailer_lists_messages_newest_first(tmp_path):
    # given
    mailer = FolderMailer(tmp_path / "outbox")
    # when
    for subject in ("first", "second", "third"):
        mailer.send(make_message(subject))
    # then
    listed = list_folder_messages(tmp_path / "outbox")
    assert [message.subject for message in listed] == ["third", "second", "first"]
    assert listed[0].to == "Petr Dvořák <petr@example.test>"
    assert listed[0].message_id == "<third@example.test>"
    assert [message.subject for message in list_folder_messages(tmp_path / "outbox", limit=1)] == ["third"]
    assert list_folder_messages(tmp_path / "missing") == []
