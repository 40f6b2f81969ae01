import io
import wave

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from peyvand.contacts.models import Company, Contact
from peyvand.timeline.models import TimelineEntry


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = "مریم"
    last_name = factory.Sequence(lambda n: f"رضایی{n}")


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"شرکت نمونه {n}")


class TimelineEntryFactory(DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    kind = "note"
    contact = factory.SubFactory(ContactFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    body = "یادداشت"


def wav_bytes(seconds: float = 0.1, rate: int = 8000) -> bytes:
    """A real, playable mono 16-bit WAV file of silence."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * int(rate * seconds))
    return buffer.getvalue()


def wav_upload(name: str = "call.wav", content_type: str = "audio/wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, wav_bytes(), content_type=content_type)
