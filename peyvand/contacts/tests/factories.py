import factory
from factory.django import DjangoModelFactory

from peyvand.contacts.models import Address, Company, Contact, Email, Membership, Phone, Tag
from peyvand.core.national_ids import generate_company_national_id, generate_national_id

FIRST_NAMES = ["علی", "زهرا", "محمد", "فاطمه", "رضا", "مریم", "حسین", "سارا", "مهدی", "نرگس"]
LAST_NAMES = ["رضایی", "محمدی", "حسینی", "احمدی", "کریمی", "موسوی", "جعفری", "صادقی", "رحیمی"]


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"برچسب {n}")


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"شرکت پیوند نمونه {n}")
    name_latin = factory.Sequence(lambda n: f"Sample Co {n}")
    national_id = factory.Sequence(lambda n: generate_company_national_id(f"{1010000000 + n:010d}"))
    industry = "نرم‌افزار"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Sequence(lambda n: FIRST_NAMES[n % len(FIRST_NAMES)])
    last_name = factory.Sequence(lambda n: f"{LAST_NAMES[n % len(LAST_NAMES)]} {n}")
    first_name_latin = "Ali"
    last_name_latin = factory.Sequence(lambda n: f"Rezaei{n}")
    national_id = factory.Sequence(lambda n: generate_national_id(f"{123400000 + n:09d}"))
    lifecycle_stage = "lead"


class PhoneFactory(DjangoModelFactory):
    class Meta:
        model = Phone

    contact = factory.SubFactory(ContactFactory)
    number = factory.Sequence(lambda n: f"+98912{1000000 + n:07d}")
    kind = Phone.Kind.MOBILE
    is_primary = False


class EmailFactory(DjangoModelFactory):
    class Meta:
        model = Email

    contact = factory.SubFactory(ContactFactory)
    address = factory.Sequence(lambda n: f"person{n}@example.ir")


class AddressFactory(DjangoModelFactory):
    class Meta:
        model = Address

    contact = factory.SubFactory(ContactFactory)
    province = "تهران"
    city = "تهران"
    line = factory.Sequence(lambda n: f"خیابان آزادی، پلاک {n}")
    postal_code = "1234567890"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    contact = factory.SubFactory(ContactFactory)
    company = factory.SubFactory(CompanyFactory)
    title = "مدیر فروش"
