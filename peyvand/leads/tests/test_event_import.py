"""Event attendees from a CSV file: leads in one step, bad rows reported, good rows kept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from peyvand.leads.imports import ImportFileError, import_event_attendees
from peyvand.leads.inputs import LeadInput
from peyvand.leads.models import Channel, Lead
from peyvand.leads.services import capture_lead

pytestmark = pytest.mark.django_db

ENGLISH = (
    "Name,Phone,Email,Company,City\r\n"
    "Ladan Moradi,09121000001,ladan@example.com,Arta,Tehran\r\n"
    "Hamid Rostami,not-a-phone,hamid@example.com,,Shiraz\r\n"
    ",,,,\r\n"
    "Farzaneh Ghasemi,,farzaneh@example,Pars,Tabriz\r\n"
    "Kian Ebrahimi,+98 912 100 0004,,,Rasht\r\n"
)


def test_attendees_become_event_leads_and_bad_rows_are_reported(admin_user):
    report = import_event_attendees(
        ENGLISH.encode(), event="همایش بهار ۱۴۰۴", product="CRM", user=admin_user
    )
    assert report.created == 2
    assert [(e.line, sorted(e.errors)) for e in report.errors] == [(3, ["phone"]), (5, ["email"])]
    lead = Lead.objects.get(email="ladan@example.com")
    assert (lead.first_name, lead.last_name, lead.company_name, lead.city) == (
        "Ladan",
        "Moradi",
        "Arta",
        "Tehran",
    )
    assert lead.channel == Channel.EVENT
    assert lead.source == {"event": "همایش بهار ۱۴۰۴"}
    assert lead.source_name == "همایش بهار ۱۴۰۴"
    assert lead.product == "CRM"
    assert lead.events_attended == 1
    assert Lead.objects.get(phone="+989121000004").last_name == "Ebrahimi"


def test_persian_headers_in_the_windows_code_page(admin_user):
    # Excel on Persian Windows: Arabic yeh and kaf, the cp1256 code page.
    text = "نام,نام خانوادگي,موبايل,ايميل,شهر\r\nمريم,كريمي,09121000005,,قم\r\n"
    report = import_event_attendees(text.encode("cp1256"), event="سمینار", user=admin_user)
    assert report.created == 1 and not report.errors
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.phone, lead.city) == (
        "مریم",
        "کریمی",
        "+989121000005",
        "قم",
    )


def test_a_single_name_column_and_semicolons(admin_user):
    text = "\ufeffنام;تلفن\r\nعلی اکبری;09121000006\r\n"
    import_event_attendees(text.encode("utf-8"), event="نمایشگاه", user=admin_user)
    assert Lead.objects.get().last_name == "اکبری"


def test_known_people_get_the_attendance_not_a_second_lead(admin_user):
    capture_lead(channel=Channel.WEBSITE, data=LeadInput.from_data({"phone": "09121000001"}))
    report = import_event_attendees(ENGLISH.encode(), event="همایش", user=admin_user)
    assert (report.created, report.attached) == (1, 1)
    assert Lead.objects.get(phone="+989121000001").events_attended == 1


def test_uploading_the_same_list_again_counts_nobody_twice(admin_user, rep):
    import_event_attendees(ENGLISH.encode(), event="همایش", user=admin_user)
    again = import_event_attendees(ENGLISH.encode(), event="همایش", user=rep)
    assert (again.created, again.attached, again.already_imported) == (0, 0, 2)
    assert Lead.objects.count() == 2
    assert all(lead.events_attended == 1 for lead in Lead.objects.all())


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"first,second\r\n1,2\r\n",
        b"\xff\xfe\x00\x00" * 10,
        b"phone\r\n" + b"09121000001\r\n" * 5001,
    ],
)
def test_unreadable_files_are_refused_as_a_whole(admin_user, content):
    with pytest.raises(ImportFileError):
        import_event_attendees(content, event="x", user=admin_user)
    assert not Lead.objects.exists()


def test_the_upload_page(admin_client):
    upload = SimpleUploadedFile("attendees.csv", ENGLISH.encode(), content_type="text/csv")
    response = admin_client.post(
        "/leads/import/event/", {"event": "همایش", "product": "", "file": upload}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert Lead.objects.count() == 2
    assert "۳" in page and "۵" in page  # the lines with problems, in Persian digits


def test_the_upload_page_reports_a_bad_file_next_to_the_field(admin_client):
    upload = SimpleUploadedFile("attendees.csv", b"a,b\r\n1,2\r\n", content_type="text/csv")
    response = admin_client.post("/leads/import/event/", {"event": "همایش", "file": upload})
    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
