# E-mail threading of tickets (service.mail). Written to hold only the mail models, so it does
# not clash with the other service-desk parts being built at the same time.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0002_default_tiers_and_grants"),
    ]

    operations = [
        migrations.CreateModel(
            name="InboundMail",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "message_id",
                    models.CharField(blank=True, max_length=255, verbose_name="Message-ID"),
                ),
                ("from_address", models.CharField(blank=True, max_length=254, verbose_name="from")),
                ("subject", models.CharField(blank=True, max_length=300, verbose_name="subject")),
                ("mailbox", models.CharField(blank=True, max_length=300, verbose_name="mailbox")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("opened", "Opened a ticket"),
                            ("added", "Added to a ticket"),
                            ("duplicate", "Already received"),
                            ("ignored", "Ignored"),
                            ("invalid", "Invalid"),
                        ],
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=200, verbose_name="reason")),
                (
                    "received_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="received"
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="service.ticket",
                    ),
                ),
            ],
            options={
                "verbose_name": "received e-mail",
                "verbose_name_plural": "received e-mails",
                "ordering": ["-received_at", "-id"],
                "indexes": [
                    models.Index(
                        fields=["from_address", "-received_at"], name="inbound_mail_sender"
                    ),
                    models.Index(fields=["-received_at", "-id"], name="inbound_mail_recent"),
                ],
            },
        ),
        migrations.CreateModel(
            name="TicketMailMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "direction",
                    models.CharField(
                        choices=[("in", "Received"), ("out", "Sent")],
                        max_length=3,
                        verbose_name="direction",
                    ),
                ),
                (
                    "message_id",
                    models.CharField(max_length=255, unique=True, verbose_name="Message-ID"),
                ),
                ("from_address", models.CharField(blank=True, max_length=254, verbose_name="from")),
                ("to_address", models.CharField(blank=True, max_length=300, verbose_name="to")),
                ("subject", models.CharField(blank=True, max_length=300, verbose_name="subject")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="when"),
                ),
                (
                    "ticket_message",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="mail_messages",
                        to="service.ticketmessage",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="mail_messages",
                        to="service.ticket",
                    ),
                ),
            ],
            options={
                "verbose_name": "ticket e-mail",
                "verbose_name_plural": "ticket e-mails",
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(fields=["ticket", "created_at", "id"], name="ticket_mail_ticket")
                ],
            },
        ),
    ]
