"""Reading incoming e-mail: headers, bodies, attachments, threading ids and quoted replies."""

from email.message import EmailMessage

from peyvand.core.mail import ImapSettings, parse_message, safe_filename, strip_quoted_reply


def _message(**headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Ali <ali@example.ir>")
    message["Subject"] = headers.pop("Subject", "سلام")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("متن پیام")
    return message


def test_threading_ids_come_nearest_first():
    parsed = parse_message(
        _message(
            Message_ID="<new@x>",
            In_Reply_To="<parent@x>",
            References="<root@x> <middle@x> <parent@x>",
        ).as_bytes()
    )
    assert parsed.message_id == "new@x"
    assert parsed.thread_ids == ["parent@x", "middle@x", "root@x"]


def test_auto_replies_bounces_and_lists_are_recognised():
    assert parse_message(_message(Auto_Submitted="auto-replied").as_bytes()).auto_reply
    assert parse_message(_message(Precedence="bulk").as_bytes()).auto_reply
    assert parse_message(_message(From="MAILER-DAEMON@mx.example").as_bytes()).auto_reply
    assert not parse_message(_message(Auto_Submitted="no").as_bytes()).auto_reply


def test_attachments_keep_their_persian_names_but_never_a_path():
    message = _message()
    message.add_attachment(b"%PDF-1.4", "application", "pdf", filename="../../گزارش مالی.pdf")
    (attachment,) = parse_message(message.as_bytes()).attachments
    assert attachment.filename == "گزارش مالی.pdf"
    assert attachment.content == b"%PDF-1.4"
    assert safe_filename("") == "attachment"


def test_the_quoted_history_of_a_reply_is_cut():
    assert strip_quoted_reply("درست شد.\n\nOn Mon, 3 Mar 2025 Support wrote:\n> قبلی") == "درست شد."
    assert strip_quoted_reply("ممنون\n\nدر تاریخ ۱۲ اسفند پشتیبانی نوشت:\n> قبلی") == "ممنون"
    marker = "##- لطفاً پاسخ خود را بالای این خط بنویسید -##"
    assert strip_quoted_reply(f"باشه\n{marker}\nمتن قبلی") == "باشه"
    assert strip_quoted_reply("Thanks\n\n-----Original Message-----\nFrom: x") == "Thanks"
    # A message that is nothing but a quote is kept whole rather than lost.
    assert strip_quoted_reply("> فقط نقل قول") == "> فقط نقل قول"
    # "From:" inside the text is not a quoted header block.
    assert strip_quoted_reply("From: the accounting team, hello") == (
        "From: the accounting team, hello"
    )


def test_imap_settings_come_from_the_environment_with_overrides(monkeypatch):
    monkeypatch.setenv("DESK_IMAP_HOST", "imap.example")
    monkeypatch.setenv("DESK_IMAP_USER", "desk")
    monkeypatch.setenv("DESK_IMAP_SSL", "0")
    config = ImapSettings.from_env("DESK_IMAP", folder="Support")
    assert (config.host, config.port, config.ssl, config.folder) == (
        "imap.example",
        143,
        False,
        "Support",
    )
    monkeypatch.delenv("DESK_IMAP_HOST")
    assert ImapSettings.from_env("DESK_IMAP") is None
