"""Text messages go through the configured backend."""

import json

from peyvand.core import sms


def test_the_locmem_backend_keeps_messages(settings):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    sms.send_sms("+989121234567", "کد شما: ۱۲۳۴")
    assert sms.outbox == [sms.SmsMessage("+989121234567", "کد شما: ۱۲۳۴")]


def test_the_file_backend_appends_json_lines(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.log")
    sms.send_sms("+989121234567", "یک")
    sms.send_sms("+989121234568", "دو")
    lines = [json.loads(line) for line in (tmp_path / "sms.log").read_text().splitlines()]
    assert [(line["to"], line["text"]) for line in lines] == [
        ("+989121234567", "یک"),
        ("+989121234568", "دو"),
    ]


class Provider:
    sent: list = []

    def send(self, to, text):
        self.sent.append((to, text))


def test_a_provider_class_is_named_by_its_dotted_path(settings):
    settings.SMS_BACKEND = "peyvand.core.tests.test_sms.Provider"
    sms.send_sms("+989121234567", "سلام")
    assert Provider.sent == [("+989121234567", "سلام")]


def test_the_console_backend_prints(settings, capsys):
    settings.SMS_BACKEND = "console"
    sms.send_sms("+989121234567", "سلام")
    assert "SMS to +989121234567: سلام" in capsys.readouterr().out
