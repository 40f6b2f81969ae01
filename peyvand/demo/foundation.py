"""A realistic Persian demo data set for trying Peyvand out (`manage.py load_demo_data`).

The demo app sits at the top of the dependency stack. This module writes the foundation (teams,
users, contacts, companies, timeline, tasks); every other app adds its own part in a
`<app>/demo_data.py` module with `load(context: DemoContext) -> dict[str, int]` (what it created,
for the summary) and `flush() -> None`, run in INSTALLED_APPS order after the foundation, so a
module's demo data can build on the modules below it.

The data is deterministic (one seeded random generator) and written with bulk_create, with
every value already in its stored form (normalised text, E.164 phones, valid national IDs)."""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from peyvand.accounts.models import Department, Role, Team, User
from peyvand.accounts.roles import ensure_default_roles
from peyvand.contacts.models import (
    Address,
    Company,
    Contact,
    Email,
    LifecycleStage,
    Membership,
    Phone,
    SourceChannel,
    Tag,
)
from peyvand.core.national_ids import generate_company_national_id, generate_national_id
from peyvand.core.persian import normalize_text, to_persian_digits
from peyvand.core.phones import InvalidPhoneNumber, normalize_phone
from peyvand.tasks.models import Task
from peyvand.timeline.models import CallOutcome, Direction, TimelineEntry

SEED = 1403
# Every demo user signs in with this password; it is printed by `make run` and in the README.
DEMO_PASSWORD = "peyvand-demo-1403"
# The first demo contact carries this national ID; its presence means the data is loaded.
MARKER_NATIONAL_ID = generate_national_id("140300001")

DEFAULT_CONTACTS = 300

# --- Names ------------------------------------------------------------------------------------
MALE_FIRST_NAMES = [
    ("علی", "Ali"),
    ("محمد", "Mohammad"),
    ("حسین", "Hossein"),
    ("رضا", "Reza"),
    ("مهدی", "Mahdi"),
    ("امیر", "Amir"),
    ("حمید", "Hamid"),
    ("سعید", "Saeed"),
    ("مجید", "Majid"),
    ("مصطفی", "Mostafa"),
    ("جواد", "Javad"),
    ("احمد", "Ahmad"),
    ("محسن", "Mohsen"),
    ("کامران", "Kamran"),
    ("بهرام", "Bahram"),
    ("فرهاد", "Farhad"),
    ("پیمان", "Peyman"),
    ("آرش", "Arash"),
    ("کیوان", "Keyvan"),
    ("بابک", "Babak"),
    ("سینا", "Sina"),
    ("امید", "Omid"),
    ("نیما", "Nima"),
    ("پویا", "Pouya"),
    ("مهران", "Mehran"),
    ("یاسر", "Yaser"),
    ("ابوالفضل", "Abolfazl"),
    ("اکبر", "Akbar"),
    ("داریوش", "Dariush"),
    ("هومن", "Hooman"),
    ("محمدرضا", "Mohammadreza"),
    ("امیرحسین", "Amirhossein"),
    ("سجاد", "Sajjad"),
    ("میلاد", "Milad"),
]
FEMALE_FIRST_NAMES = [
    ("فاطمه", "Fatemeh"),
    ("زهرا", "Zahra"),
    ("مریم", "Maryam"),
    ("سارا", "Sara"),
    ("نرگس", "Narges"),
    ("لیلا", "Leila"),
    ("الهام", "Elham"),
    ("مهسا", "Mahsa"),
    ("نازنین", "Nazanin"),
    ("شیما", "Shima"),
    ("سمیرا", "Samira"),
    ("نگار", "Negar"),
    ("پریسا", "Parisa"),
    ("مینا", "Mina"),
    ("آزاده", "Azadeh"),
    ("رویا", "Roya"),
    ("ساناز", "Sanaz"),
    ("هانیه", "Haniyeh"),
    ("کوثر", "Kowsar"),
    ("الناز", "Elnaz"),
    ("فرشته", "Fereshteh"),
    ("شیرین", "Shirin"),
    ("ترانه", "Taraneh"),
    ("مهناز", "Mahnaz"),
    ("سپیده", "Sepideh"),
    ("ریحانه", "Reyhaneh"),
    ("آیدا", "Aida"),
    ("یاسمن", "Yasaman"),
]
LAST_NAMES = [
    ("محمدی", "Mohammadi"),
    ("حسینی", "Hosseini"),
    ("احمدی", "Ahmadi"),
    ("رضایی", "Rezaei"),
    ("کریمی", "Karimi"),
    ("موسوی", "Mousavi"),
    ("جعفری", "Jafari"),
    ("صادقی", "Sadeghi"),
    ("رحیمی", "Rahimi"),
    ("قاسمی", "Ghasemi"),
    ("حیدری", "Heydari"),
    ("نوری", "Nouri"),
    ("کاظمی", "Kazemi"),
    ("عباسی", "Abbasi"),
    ("مرادی", "Moradi"),
    ("اکبری", "Akbari"),
    ("سلطانی", "Soltani"),
    ("طاهری", "Taheri"),
    ("یوسفی", "Yousefi"),
    ("شریفی", "Sharifi"),
    ("تهرانی", "Tehrani"),
    ("اصفهانی", "Esfahani"),
    ("شیرازی", "Shirazi"),
    ("میرزایی", "Mirzaei"),
    ("زمانی", "Zamani"),
    ("بهرامی", "Bahrami"),
    ("نجفی", "Najafi"),
    ("فراهانی", "Farahani"),
    ("کرمانی", "Kermani"),
    ("امینی", "Amini"),
    ("خسروی", "Khosravi"),
    ("باقری", "Bagheri"),
    ("افشار", "Afshar"),
    ("پورمحمد", "Pourmohammad"),
    ("نیک\u200cنام", "Niknam"),
    ("قربانی", "Ghorbani"),
    ("ملکی", "Maleki"),
    ("سبحانی", "Sobhani"),
    ("فتحی", "Fathi"),
    ("هاشمی", "Hashemi"),
    ("جهانگیری", "Jahangiri"),
    ("توکلی", "Tavakoli"),
    ("منصوری", "Mansouri"),
    ("اسدی", "Asadi"),
    ("دهقان", "Dehghan"),
    ("شکوهی", "Shokouhi"),
    ("علوی", "Alavi"),
    ("رستمی", "Rostami"),
    ("وحیدی", "Vahidi"),
    ("ایزدی", "Izadi"),
    ("عبدالهی", "Abdollahi"),
    ("خلیلی", "Khalili"),
    ("مختاری", "Mokhtari"),
]

# (province, city, landline area code without the trunk 0, weight)
PLACES = [
    ("تهران", "تهران", "21", 34),
    ("تهران", "شهریار", "21", 2),
    ("البرز", "کرج", "26", 6),
    ("اصفهان", "اصفهان", "31", 10),
    ("اصفهان", "کاشان", "31", 2),
    ("خراسان رضوی", "مشهد", "51", 8),
    ("فارس", "شیراز", "71", 7),
    ("آذربایجان شرقی", "تبریز", "41", 6),
    ("خوزستان", "اهواز", "61", 4),
    ("گیلان", "رشت", "13", 4),
    ("مازندران", "ساری", "11", 3),
    ("کرمان", "کرمان", "34", 3),
    ("یزد", "یزد", "35", 3),
    ("قم", "قم", "25", 3),
    ("کرمانشاه", "کرمانشاه", "83", 2),
    ("همدان", "همدان", "81", 2),
]
STREETS = {
    "تهران": [
        "خیابان ولیعصر",
        "خیابان شریعتی",
        "خیابان مطهری",
        "بلوار میرداماد",
        "خیابان آزادی",
        "خیابان انقلاب",
        "سعادت‌آباد، خیابان سرو",
        "خیابان پاسداران",
        "خیابان ستارخان",
    ],
    "اصفهان": ["خیابان چهارباغ عباسی", "خیابان نظر", "خیابان هشت بهشت", "خیابان آمادگاه"],
    "مشهد": ["بلوار وکیل‌آباد", "خیابان احمدآباد", "بلوار سجاد", "خیابان امام رضا"],
    "شیراز": ["خیابان زند", "بلوار چمران", "خیابان قصردشت", "خیابان ملاصدرا"],
    "تبریز": ["خیابان امام", "خیابان ولیعصر", "خیابان آزادی", "خیابان ارتش"],
}
DEFAULT_STREETS = ["خیابان امام خمینی", "بلوار آزادی", "خیابان انقلاب", "خیابان جمهوری"]

MOBILE_PREFIXES = [
    "912",
    "919",
    "910",
    "913",
    "915",
    "917",
    "935",
    "936",
    "937",
    "938",
    "939",
    "990",
    "991",
    "933",
]
EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "chmail.ir", "outlook.com"]

TAGS = [
    "VIP",
    "عمده‌فروش",
    "خرده‌فروش",
    "همکار تجاری",
    "نمایشگاه ۱۴۰۳",
    "نیازمند پیگیری",
    "مشتری سازمانی",
    "خبرنامه",
]

JOB_TITLES = [
    "مدیر عامل",
    "مدیر فروش",
    "کارشناس خرید",
    "مدیر بازرگانی",
    "حسابدار",
    "مدیر فنی",
    "کارشناس فروش",
    "مدیر تدارکات",
    "مسئول دفتر",
    "مدیر مالی",
    "مدیر بازاریابی",
    "مدیر داخلی",
]

COMPANY_PREFIXES = [
    ("بازرگانی", "Trading", "بازرگانی و واردات"),
    ("صنایع غذایی", "Food Industries", "صنایع غذایی"),
    ("گروه صنعتی", "Industrial Group", "تولید صنعتی"),
    ("پخش", "Distribution", "پخش و توزیع"),
    ("فناوری اطلاعات", "IT", "فناوری اطلاعات"),
    ("مهندسی", "Engineering", "مهندسی و ساخت"),
    ("حمل و نقل", "Logistics", "حمل و نقل"),
    ("داروسازی", "Pharmaceuticals", "دارو و سلامت"),
    ("تولیدی", "Manufacturing", "تولید پوشاک"),
    ("نرم‌افزاری", "Software", "نرم‌افزار"),
]
COMPANY_NAMES = [
    ("آرمان", "Arman"),
    ("پارس", "Pars"),
    ("سپهر", "Sepehr"),
    ("آریا", "Aria"),
    ("نوین", "Novin"),
    ("البرز", "Alborz"),
    ("کیان", "Kian"),
    ("مهر", "Mehr"),
    ("ستاره", "Setareh"),
    ("دماوند", "Damavand"),
    ("زاگرس", "Zagros"),
    ("سامان", "Saman"),
    ("پیشرو", "Pishro"),
    ("افق", "Ofogh"),
    ("آسیا", "Asia"),
    ("کاوه", "Kaveh"),
    ("رایان", "Rayan"),
    ("نگین", "Negin"),
    ("تابان", "Taban"),
    ("پرشین", "Persian"),
    ("سپاهان", "Sepahan"),
    ("خلیج فارس", "Persian Gulf"),
]

CALL_NOTES = [
    "درباره قیمت‌های جدید صحبت شد؛ مشتری منتظر پیش‌فاکتور است.",
    "مشتری از کیفیت ارسال قبلی راضی بود و سفارش تکراری را تأیید کرد.",
    "درخواست تخفیف حجمی داشت؛ باید با مدیر فروش هماهنگ شود.",
    "پیگیری پرداخت فاکتور؛ قول داد تا پایان هفته واریز کند.",
    "معرفی محصول جدید؛ خواست کاتالوگ برایش ایمیل شود.",
    "از تأخیر در ارسال گله داشت؛ موضوع به واحد پشتیبانی ارجاع شد.",
    "زمان جلسه حضوری برای هفته آینده هماهنگ شد.",
    "شماره مسئول خرید جدید را گرفتم.",
]
NOTES = [
    "مشتری علاقه‌مند به قرارداد سالانه است.",
    "بودجه خرید این فصل محدود است؛ پیشنهاد اقساطی مطرح شود.",
    "ترجیح می‌دهد فقط عصرها با او تماس گرفته شود.",
    "در نمایشگاه بین‌المللی تهران از غرفه ما بازدید کرد.",
    "رقیب اصلی ما قیمت پایین‌تری داده است.",
    "به معرفی یکی از مشتریان وفادار با ما آشنا شد.",
    "نیاز به آموزش کار با محصول برای کارکنانش دارد.",
]
EMAIL_SUBJECTS = [
    "ارسال پیش‌فاکتور",
    "پیگیری سفارش",
    "دعوت به نمایشگاه",
    "کاتالوگ محصولات جدید",
    "تمدید قرارداد پشتیبانی",
    "صورت‌حساب ماهانه",
    "پاسخ به درخواست شما",
]
MEETING_SUBJECTS = [
    "جلسه معرفی محصول",
    "مذاکره قرارداد سالانه",
    "بازدید از کارخانه",
    "جلسه بررسی رضایت",
    "جلسه آموزش محصول",
]
SMS_TEXTS = [
    "مشتری گرامی، سفارش شما ارسال شد.",
    "یادآوری جلسه فردا ساعت ۱۰ صبح.",
    "پیش‌فاکتور درخواستی به ایمیل شما ارسال شد.",
    "تخفیف ویژه مشتریان وفادار تا پایان ماه.",
]
CALL_OUTCOMES = [
    CallOutcome.ANSWERED,
    CallOutcome.ANSWERED,
    CallOutcome.ANSWERED,
    CallOutcome.NO_ANSWER,
    CallOutcome.BUSY,
    CallOutcome.VOICEMAIL,
    CallOutcome.CALLBACK_REQUESTED,
]
TASK_TITLES = [
    "تماس پیگیری با {name}",
    "ارسال پیش‌فاکتور برای {name}",
    "هماهنگی جلسه معرفی محصول با {name}",
    "بررسی شکایت {name}",
    "ارسال کاتالوگ جدید برای {name}",
    "تمدید قرارداد {name}",
    "پیگیری پرداخت {name}",
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str
    manages: str | None = None


TEAMS = [
    # (name, department, parent)
    ("مدیریت", Department.MANAGEMENT, None),
    ("فروش", Department.SALES, "مدیریت"),
    ("فروش تهران", Department.SALES, "فروش"),
    ("فروش اصفهان", Department.SALES, "فروش"),
    ("پشتیبانی", Department.SERVICE, "مدیریت"),
    ("بازاریابی", Department.MARKETING, "مدیریت"),
]
USERS = [
    DemoUser("mehdi", "مهدی", "تهرانی", "Manager", "مدیریت", manages="مدیریت"),
    DemoUser("sara", "سارا", "احمدی", "Manager", "فروش", manages="فروش"),
    DemoUser("amir", "امیر", "رحیمی", "Sales representative", "فروش تهران", manages="فروش تهران"),
    DemoUser("narges", "نرگس", "حسینی", "Sales representative", "فروش تهران"),
    DemoUser("reza", "رضا", "کریمی", "Sales representative", "فروش اصفهان", manages="فروش اصفهان"),
    DemoUser("zahra", "زهرا", "موسوی", "Support agent", "پشتیبانی", manages="پشتیبانی"),
    DemoUser("kamran", "کامران", "جعفری", "Support agent", "پشتیبانی"),
    DemoUser("leila", "لیلا", "صادقی", "Marketer", "بازاریابی", manages="بازاریابی"),
    DemoUser("hamid", "حمید", "نوری", "Read only", "مدیریت"),
]
SALES_USERNAMES = ["sara", "amir", "narges", "reza", "amir", "narges", "reza"]


@dataclass
class DemoResult:
    loaded: bool
    users: int = 0
    contacts: int = 0
    companies: int = 0
    timeline_entries: int = 0
    tasks: int = 0
    # What each app's demo_data module created, e.g. {"deals": 120, "tickets": 80}.
    modules: dict[str, int] = field(default_factory=dict)


@dataclass
class DemoContext:
    """What an app's demo_data.load() builds on: the foundation's records and the seeded random
    generator (use it, never `random` itself, so the data set stays deterministic)."""

    rng: random.Random
    now: dt.datetime
    users: dict[str, User]
    teams: dict[str, Team]
    owners: list[User]
    contacts: list[Contact]
    companies: list[Company]
    # Fresh fake values in the foundation's style, for records that are not contacts yet.
    person_name: Callable[[], tuple[str, str]]  # (first, last) in Persian
    mobile: Callable[[], str]  # an unused Iranian mobile number, E.164
    place: Callable[[], tuple[str, str]]  # (province, city)


def app_demo_modules() -> list[ModuleType]:
    """Each installed app's `demo_data` module, in INSTALLED_APPS (dependency) order."""
    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(importlib.import_module(f"{config.name}.demo_data"))
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.demo_data":
                raise
    return modules


def is_loaded() -> bool:
    return Contact.objects.filter(national_id=MARKER_NATIONAL_ID).exists()


def flush() -> None:
    """Delete every CRM record and the demo users (not other users, roles or settings)."""
    from peyvand.search.models import SearchEntry

    with transaction.atomic():
        for module in reversed(app_demo_modules()):
            module.flush()
        Task.objects.all().delete()
        TimelineEntry.objects.all().delete()
        Membership.objects.all().delete()
        Contact.objects.all().delete()
        Company.objects.all().delete()
        Tag.objects.all().delete()
        SearchEntry.objects.all().delete()
        User.objects.filter(username__in=[u.username for u in USERS]).delete()
        Team.objects.filter(name__in=[t[0] for t in TEAMS], members=None).delete()


def load(contacts: int = DEFAULT_CONTACTS, *, force: bool = False) -> DemoResult:
    """Load the demo data set unless it is already there (``force`` loads it on top)."""
    if contacts < 1:
        raise ValueError("contacts must be at least 1")
    if is_loaded() and not force:
        return DemoResult(loaded=False)
    # One transaction, search index included: a failed load leaves nothing behind, so the next
    # run (whose marker check would otherwise skip it) tries again.
    with transaction.atomic():
        loader = _Loader(random.Random(SEED), contacts)
        result = loader.run()
        context = DemoContext(
            rng=loader.rng,
            now=loader.now,
            users=loader.users,
            teams=loader.teams,
            owners=loader.owners,
            contacts=loader.contacts,
            companies=loader.companies,
            person_name=loader.person_name,
            mobile=loader.mobile,
            place=lambda: loader.pick_place()[:2],
        )
        for module in app_demo_modules():
            result.modules.update(module.load(context))
        rebuild_search_index()
    return result


def rebuild_search_index() -> bool:
    """Rebuild the search index when the search app offers it (bulk_create sends no signals)."""
    try:
        services = importlib.import_module("peyvand.search.services")
    except ImportError:
        return False
    rebuild = getattr(services, "rebuild_index", None)
    if rebuild is None:
        return False
    rebuild()
    return True


class _Loader:
    def __init__(self, rng: random.Random, contacts: int):
        self.rng = rng
        self.n_contacts = contacts
        self.n_companies = max(2, contacts // 5)
        self.n_entries = contacts * 5
        self.n_tasks = max(3, contacts * 2 // 3)
        self.now = timezone.now().replace(microsecond=0)
        self.used_phones: set[str] = set(Phone.objects.values_list("number", flat=True))
        self.used_national_ids: set[str] = set(
            Contact.objects.exclude(national_id="").values_list("national_id", flat=True)
        )
        self.used_emails: set[str] = set()

    # --- helpers ------------------------------------------------------------------------------
    def person_name(self) -> tuple[str, str]:
        names = self.rng.choice([MALE_FIRST_NAMES, FEMALE_FIRST_NAMES])
        return self.rng.choice(names)[0], self.rng.choice(LAST_NAMES)[0]

    def pick_place(self) -> tuple[str, str, str]:
        province, city, area, _ = self.rng.choices(PLACES, weights=[p[3] for p in PLACES])[0]
        return province, city, area

    def mobile(self) -> str:
        while True:
            raw = "0" + self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**7):07d}"
            phone = self._unique_phone(raw)
            if phone:
                return phone

    def landline(self, area: str) -> str:
        while True:
            raw = f"0{area}{self.rng.randint(2, 8)}{self.rng.randrange(10**7):07d}"
            phone = self._unique_phone(raw)
            if phone:
                return phone

    def _unique_phone(self, raw: str) -> str | None:
        try:
            phone = normalize_phone(raw, "IR")
        except InvalidPhoneNumber:
            return None
        if phone in self.used_phones:
            return None
        self.used_phones.add(phone)
        return phone

    def national_id(self) -> str:
        while True:
            try:
                code = generate_national_id(f"{self.rng.randrange(10**9):09d}")
            except ValueError:
                continue
            if code not in self.used_national_ids:
                self.used_national_ids.add(code)
                return code

    def email(self, local: str, domain: str) -> str:
        address = f"{local}@{domain}".lower()
        n = 2
        while address in self.used_emails:
            address = f"{local}{n}@{domain}".lower()
            n += 1
        self.used_emails.add(address)
        return address

    def past(self, max_days: int, min_days: int = 0) -> dt.datetime:
        """A moment during business hours (Tehran) between min_days and max_days ago."""
        day = timezone.localtime(self.now) - dt.timedelta(days=self.rng.randint(min_days, max_days))
        moment = day.replace(
            hour=self.rng.randint(8, 19), minute=self.rng.randrange(0, 60, 5), second=0
        )
        return min(moment, self.now - dt.timedelta(minutes=self.rng.randint(5, 120)))

    def address_line(self, city: str) -> str:
        street = self.rng.choice(STREETS.get(city, DEFAULT_STREETS))
        alley = self.rng.randint(1, 40)
        number = self.rng.randint(1, 120)
        return to_persian_digits(f"{street}، کوچه {alley}، پلاک {number}")

    # --- steps --------------------------------------------------------------------------------
    def run(self) -> DemoResult:
        self.create_people()
        self.create_tags()
        self.create_companies()
        self.create_contacts()
        self.create_timeline()
        self.create_tasks()
        return DemoResult(
            loaded=True,
            users=len(self.users),
            contacts=len(self.contacts),
            companies=len(self.companies),
            timeline_entries=self.entry_count,
            tasks=self.task_count,
        )

    def create_people(self) -> None:
        ensure_default_roles(Role)
        roles = {role.name: role for role in Role.objects.all()}
        teams: dict[str, Team] = {}
        for name, department, parent in TEAMS:
            team, _ = Team.objects.get_or_create(name=name, defaults={"department": department})
            team.parent = teams.get(parent) if parent else None
            team.department = department
            team.save(update_fields=["parent", "department"])
            teams[name] = team
        password = make_password(DEMO_PASSWORD)
        self.users: dict[str, User] = {}
        for spec in USERS:
            user, _ = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": f"{spec.username}@peyvand.example",
                    "role": roles.get(spec.role),
                    "team": teams[spec.team],
                    "department": teams[spec.team].department,
                    "language": User.Language.PERSIAN,
                    "password": password,
                    "phone": self.mobile(),
                },
            )
            self.users[spec.username] = user
            if spec.manages:
                teams[spec.manages].manager = user
                teams[spec.manages].save(update_fields=["manager"])
        self.teams = teams
        self.owners = [self.users[name] for name in SALES_USERNAMES]

    def create_tags(self) -> None:
        self.tags = [Tag.objects.get_or_create(name=normalize_text(name))[0] for name in TAGS]

    def create_companies(self) -> None:
        rng = self.rng
        combos = [(p, n) for p in COMPANY_PREFIXES for n in COMPANY_NAMES]
        rng.shuffle(combos)
        companies: list[Company] = []
        created_at: list[dt.datetime] = []
        phones: list[Phone] = []
        emails: list[Email] = []
        addresses: list[Address] = []
        used_company_ids = set(
            Company.objects.exclude(national_id="").values_list("national_id", flat=True)
        )
        for i in range(self.n_companies):
            (prefix, prefix_latin, industry), (name, name_latin) = combos[i % len(combos)]
            suffix = f" {to_persian_digits(i // len(combos) + 1)}" if i >= len(combos) else ""
            province, city, area = self.pick_place()
            owner = rng.choice(self.owners)
            domain = f"{name_latin.lower().replace(' ', '')}-{prefix_latin.lower().split()[0]}"
            domain = f"{domain}{i // len(combos) or ''}.ir"
            while True:
                try:
                    company_id = generate_company_national_id(f"10{rng.randrange(10**8):08d}")
                except ValueError:
                    continue
                if company_id not in used_company_ids:
                    used_company_ids.add(company_id)
                    break
            phone = self.landline(area)
            email = self.email("info", domain)
            companies.append(
                Company(
                    name=normalize_text(f"{prefix} {name}{suffix}"),
                    name_latin=f"{name_latin} {prefix_latin} Co.",
                    national_id=company_id,
                    economic_code=f"4{rng.randrange(10**11):011d}",
                    industry=industry,
                    website=f"https://www.{domain}",
                    employee_count=rng.choice([8, 15, 25, 40, 60, 120, 250, 600, 1500]),
                    lifecycle_stage=rng.choices(
                        [
                            LifecycleStage.LEAD,
                            LifecycleStage.PROSPECT,
                            LifecycleStage.CUSTOMER,
                            LifecycleStage.LOYAL,
                            LifecycleStage.CHURNED,
                        ],
                        weights=[2, 3, 5, 2, 1],
                    )[0],
                    source=rng.choice(
                        [
                            SourceChannel.REFERRAL,
                            SourceChannel.EVENT,
                            SourceChannel.WEBSITE,
                            SourceChannel.LINKEDIN,
                            SourceChannel.PHONE,
                        ]
                    ),
                    owner=owner,
                    team=owner.team,
                    created_by=owner,
                    primary_phone=phone,
                    primary_email=email,
                    province=province,
                    city=city,
                )
            )
            created_at.append(self.past(540, 200))
            phones.append(Phone(number=phone, kind=Phone.Kind.WORK, is_primary=True))
            emails.append(Email(address=email, kind=Email.Kind.WORK, is_primary=True))
            addresses.append(
                Address(
                    kind=Address.Kind.WORK,
                    province=province,
                    city=city,
                    line=self.address_line(city),
                    postal_code=f"{rng.randint(1, 9)}{rng.randrange(10**9):09d}",
                    is_primary=True,
                )
            )
        self.companies = Company.objects.bulk_create(companies)
        for company, moment in zip(self.companies, created_at, strict=True):
            company.created_at = company.updated_at = moment
        Company.objects.bulk_update(self.companies, ["created_at", "updated_at"], batch_size=500)
        for company, phone, email, address in zip(
            self.companies, phones, emails, addresses, strict=True
        ):
            phone.company = email.company = address.company = company
        Phone.objects.bulk_create(phones)
        Email.objects.bulk_create(emails)
        Address.objects.bulk_create(addresses)
        through = Company.tags.through
        through.objects.bulk_create(
            [
                through(company_id=c.pk, tag_id=tag.pk)
                for c in self.companies
                for tag in rng.sample(self.tags[:3] + self.tags[6:7], rng.choice([0, 0, 1, 1, 2]))
            ]
        )

    def create_contacts(self) -> None:
        rng = self.rng
        contacts: list[Contact] = []
        created_at: list[dt.datetime] = []
        phones: list[Phone] = []
        emails: list[Email] = []
        addresses: list[Address] = []
        memberships: list[tuple[int, Company, str]] = []
        tag_links: list[tuple[int, Tag]] = []
        stages = [
            LifecycleStage.LEAD,
            LifecycleStage.PROSPECT,
            LifecycleStage.CUSTOMER,
            LifecycleStage.LOYAL,
            LifecycleStage.CHURNED,
        ]
        sources = [c for c in SourceChannel.values if c not in ("api", "import", "other")]
        for i in range(self.n_contacts):
            female = rng.random() < 0.45
            first, first_latin = rng.choice(FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES)
            last, last_latin = rng.choice(LAST_NAMES)
            province, city, area = self.pick_place()
            owner = rng.choice(self.owners)
            company = rng.choice(self.companies) if rng.random() < 0.45 else None
            if company is not None:
                province, city = company.province, company.city
            mobile = self.mobile()
            contact_phones = [Phone(number=mobile, kind=Phone.Kind.MOBILE, is_primary=True)]
            if rng.random() < 0.25:
                kind = Phone.Kind.WORK if company else Phone.Kind.HOME
                contact_phones.append(Phone(number=self.landline(area), kind=kind))
            contact_emails: list[Email] = []
            if rng.random() < 0.7:
                local = f"{first_latin}.{last_latin}".lower()
                domain = (
                    company.primary_email.split("@")[1] if company else rng.choice(EMAIL_DOMAINS)
                )
                contact_emails.append(
                    Email(
                        address=self.email(local, domain),
                        kind=Email.Kind.WORK if company else Email.Kind.PERSONAL,
                        is_primary=True,
                    )
                )
            national_id = (
                MARKER_NATIONAL_ID if i == 0 else (self.national_id() if rng.random() < 0.6 else "")
            )
            if i == 0:
                self.used_national_ids.add(national_id)
            latin = rng.random() < 0.4
            birthday = None
            if rng.random() < 0.5:
                birthday = dt.date(rng.randint(1960, 2003), rng.randint(1, 12), rng.randint(1, 28))
            stage = rng.choices(stages, weights=[4, 3, 5, 2, 1])[0]
            job_title = rng.choice(JOB_TITLES) if company else ""
            contacts.append(
                Contact(
                    first_name=normalize_text(first),
                    last_name=normalize_text(last),
                    first_name_latin=first_latin if latin else "",
                    last_name_latin=last_latin if latin else "",
                    gender=Contact.Gender.FEMALE if female else Contact.Gender.MALE,
                    national_id=national_id,
                    birthday=birthday,
                    job_title=job_title,
                    consent_email=bool(contact_emails) and rng.random() < 0.6,
                    consent_sms=rng.random() < 0.55,
                    consent_call=rng.random() < 0.9,
                    lifecycle_stage=stage,
                    source=rng.choice(sources),
                    owner=owner,
                    team=owner.team,
                    created_by=owner,
                    primary_phone=mobile,
                    primary_email=contact_emails[0].address if contact_emails else "",
                    province=province,
                    city=city,
                    notes=rng.choice(NOTES) if rng.random() < 0.3 else "",
                )
            )
            created_at.append(self.past(540, 7))
            phones.append(contact_phones)
            emails.append(contact_emails)
            # The list columns province/city mirror the primary address (as contacts' services
            # keep them), so every contact has one; a street line only for some.
            full_address = rng.random() < 0.35
            addresses.append(
                Address(
                    kind=Address.Kind.WORK if company else Address.Kind.HOME,
                    province=province,
                    city=city,
                    line=self.address_line(city) if full_address else "",
                    postal_code=f"{rng.randint(1, 9)}{rng.randrange(10**9):09d}"
                    if full_address
                    else "",
                    is_primary=True,
                )
            )
            if company is not None:
                memberships.append((i, company, job_title))
            for tag in rng.sample(self.tags, rng.choice([0, 0, 0, 1, 1, 2])):
                tag_links.append((i, tag))
        self.contacts = Contact.objects.bulk_create(contacts, batch_size=500)
        for contact, moment in zip(self.contacts, created_at, strict=True):
            contact.created_at = contact.updated_at = moment
        self.contact_created = created_at
        Contact.objects.bulk_update(self.contacts, ["created_at", "updated_at"], batch_size=500)
        rows_phone, rows_email, rows_address = [], [], []
        for contact, cphones, cemails, address in zip(
            self.contacts, phones, emails, addresses, strict=True
        ):
            for row in cphones:
                row.contact = contact
                rows_phone.append(row)
            for row in cemails:
                row.contact = contact
                rows_email.append(row)
            address.contact = contact
            rows_address.append(address)
        Phone.objects.bulk_create(rows_phone, batch_size=500)
        Email.objects.bulk_create(rows_email, batch_size=500)
        Address.objects.bulk_create(rows_address, batch_size=500)
        Membership.objects.bulk_create(
            [
                Membership(contact=self.contacts[i], company=company, title=title, is_primary=True)
                for i, company, title in memberships
            ],
            batch_size=500,
        )
        self.contact_company = {self.contacts[i].pk: company for i, company, _ in memberships}
        through = Contact.tags.through
        through.objects.bulk_create(
            [through(contact_id=self.contacts[i].pk, tag_id=tag.pk) for i, tag in tag_links],
            batch_size=500,
        )

    def create_timeline(self) -> None:
        rng = self.rng
        entries: list[TimelineEntry] = []
        last_contacted: dict[int, dt.datetime] = {}
        staff = list(self.users.values())
        kinds = ["note", "call", "email", "meeting", "sms"]
        for _ in range(self.n_entries):
            index = rng.randrange(len(self.contacts))
            contact = self.contacts[index]
            age = (self.now - self.contact_created[index]).days
            occurred = self.past(max(age, 1), 0)
            kind = rng.choices(kinds, weights=[25, 35, 20, 8, 12])[0]
            author = contact.owner if rng.random() < 0.75 else rng.choice(staff)
            entry = TimelineEntry(kind=kind, contact=contact, author=author, occurred_at=occurred)
            if kind == "note":
                entry.body = rng.choice(NOTES)
            elif kind == "call":
                entry.direction = rng.choice(
                    [Direction.OUTBOUND, Direction.OUTBOUND, Direction.INBOUND]
                )
                entry.outcome = rng.choice(CALL_OUTCOMES)
                if entry.outcome in (CallOutcome.ANSWERED, CallOutcome.CALLBACK_REQUESTED):
                    entry.duration_seconds = rng.randint(30, 1500)
                    entry.body = rng.choice(CALL_NOTES)
                else:
                    entry.duration_seconds = 0
            elif kind == "email":
                entry.direction = rng.choice([Direction.OUTBOUND, Direction.INBOUND])
                entry.subject = rng.choice(EMAIL_SUBJECTS)
                entry.body = "با سلام و احترام،\n" + rng.choice(CALL_NOTES)
            elif kind == "meeting":
                entry.subject = rng.choice(MEETING_SUBJECTS)
                entry.body = rng.choice(CALL_NOTES)
                entry.duration_seconds = rng.choice([30, 45, 60, 90]) * 60
                entry.data = {"location": self.rng.choice(["دفتر مرکزی", "محل مشتری", "آنلاین"])}
            else:
                entry.direction = Direction.OUTBOUND
                entry.body = rng.choice(SMS_TEXTS)
            entries.append(entry)
            if kind != "note" and occurred > last_contacted.get(
                contact.pk, occurred - dt.timedelta(1)
            ):
                last_contacted[contact.pk] = occurred
        TimelineEntry.objects.bulk_create(entries, batch_size=500)
        self.entry_count = len(entries)
        touched = []
        for contact in self.contacts:
            if contact.pk in last_contacted:
                contact.last_contacted_at = last_contacted[contact.pk]
                touched.append(contact)
        Contact.objects.bulk_update(touched, ["last_contacted_at"], batch_size=500)

    def create_tasks(self) -> None:
        rng = self.rng
        local_now = timezone.localtime(self.now)
        tasks: list[Task] = []
        # The administrator who signs in to the demo (`make run` creates it first) gets a share
        # of the work too, so their "my day" is not empty.
        admin = (
            User.objects.filter(is_superuser=True, is_active=True)
            .exclude(username__in=self.users)
            .order_by("id")
            .first()
        )
        staff = list(self.users.values())
        for _ in range(self.n_tasks):
            contact = rng.choice(self.contacts)
            company = self.contact_company.get(contact.pk)
            name = company.name if company is not None and rng.random() < 0.4 else contact.full_name
            roll = rng.random()
            if admin is not None and roll < 0.15:
                assignee = admin
            elif roll < 0.8:
                assignee = contact.owner
            else:
                assignee = rng.choice(staff)
            state = rng.choices(["done", "overdue", "today", "upcoming"], weights=[25, 20, 15, 40])[
                0
            ]
            if state == "done":
                due = self.past(120, 1)
                done_at = min(due + dt.timedelta(hours=rng.randint(-48, 24)), self.now)
            elif state == "overdue":
                due = self.past(20, 1)
                done_at = None
            elif state == "today":
                # Office hours today: some already past (late by hours), most still ahead.
                due = local_now.replace(
                    hour=rng.randint(max(9, min(local_now.hour - 1, 18)), 19),
                    minute=rng.choice([0, 15, 30, 45]),
                    second=0,
                )
                done_at = None
            else:
                due = local_now.replace(
                    hour=rng.randint(9, 17), minute=rng.choice([0, 30]), second=0
                ) + dt.timedelta(days=rng.randint(1, 30))
                done_at = None
            tasks.append(
                Task(
                    title=rng.choice(TASK_TITLES).format(name=name),
                    description=rng.choice(NOTES) if rng.random() < 0.4 else "",
                    due_at=due,
                    # Reminders only for what is still ahead, so loading does not fire a burst.
                    remind_at=due - dt.timedelta(hours=1) if state == "upcoming" else None,
                    priority=rng.choices(
                        [Task.Priority.LOW, Task.Priority.NORMAL, Task.Priority.HIGH],
                        weights=[2, 6, 2],
                    )[0],
                    assignee=assignee,
                    team=assignee.team,
                    created_by=contact.owner,
                    contact=contact,
                    company=company if company is not None and rng.random() < 0.5 else None,
                    done_at=done_at,
                )
            )
        Task.objects.bulk_create(tasks, batch_size=500)
        self.task_count = len(tasks)
