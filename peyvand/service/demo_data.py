"""Service desk for the demo data set: four months of tickets from every channel, opened and
worked through the desk's own services (so routing, SLA clocks, the timeline and the search
index are right), then moved back to when each step "happened".

Each ticket's story is a list of steps at planned moments. The services stamp everything with
the wall clock, so before each step the loader notes (wall clock, planned moment); afterwards
every timestamp the story wrote is mapped from the wall clock onto the plan, and the SLA clock
is replayed at the planned moments with the SLA module's own functions (business hours,
pauses, breaches). CSAT surveys and reply e-mails are not sent during the load: the demo
customers' answers are written directly and answered through csat.answer_survey."""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from auditlog.context import disable_auditlog
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone

from peyvand.accounts.models import Notification
from peyvand.contacts.models import Contact
from peyvand.timeline.models import TimelineEntry

from . import csat, resources, services, signals
from . import sla as sla_clock
from .models import (
    AssignStrategy,
    CsatSurvey,
    Escalation,
    MessageKind,
    RoutingRule,
    RuleFiring,
    SlaBreach,
    SlaMetric,
    SlaPolicy,
    SlaState,
    SupportTier,
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketResource,
    TicketSla,
    TicketStatus,
    TicketTeamRotation,
    hash_csat_token,
)

BATCH = 200
TICKETS = 150  # with the default 300 contacts; fewer for a smaller data set
DAYS = 120
SUPPORT_TEAM = "پشتیبانی"
AGENTS = ["kamran", "zahra"]
SENIOR = "zahra"  # L2: the support team's lead
EXPERT = "mehdi"  # L3: the head of the company, for the few that go that far

CHANNEL_WEIGHTS = {
    TicketChannel.PHONE: 30,
    TicketChannel.EMAIL: 25,
    TicketChannel.PORTAL: 20,
    TicketChannel.API: 6,
    TicketChannel.SOCIAL: 12,
    TicketChannel.IN_PERSON: 7,
}
# Agents type phone and walk-in tickets themselves; the rest come from the customer.
STAFF_CHANNELS = {TicketChannel.PHONE, TicketChannel.IN_PERSON}
PRIORITY_WEIGHTS = {
    TicketPriority.LOW: 15,
    TicketPriority.NORMAL: 55,
    TicketPriority.HIGH: 20,
    TicketPriority.URGENT: 10,
}

BILLING = "مالی و صورت‌حساب"
TECHNICAL = "مشکل فنی"
ACCOUNT = "حساب کاربری"
DELIVERY = "ارسال و تحویل"
WARRANTY = "گارانتی و مرجوعی"
FEEDBACK = "پیشنهاد و انتقاد"
CATEGORIES = [
    (BILLING, "فاکتور، پرداخت، بازپرداخت و تمدید اشتراک"),
    (TECHNICAL, "خطا، کندی یا قطعی در محصول و سرویس"),
    (ACCOUNT, "ورود، گذرواژه و دسترسی کاربران"),
    (DELIVERY, "پیگیری سفارش، ارسال و نصب"),
    (WARRANTY, "گارانتی، تعویض و مرجوعی کالا"),
    (FEEDBACK, "پیشنهادها، انتقادها و شکایت‌ها"),
]
CATEGORY_WEIGHTS = {
    BILLING: 22,
    TECHNICAL: 30,
    ACCOUNT: 15,
    DELIVERY: 15,
    WARRANTY: 10,
    FEEDBACK: 8,
}

# (subject, description) per category.
ISSUES = {
    BILLING: [
        (
            "مبلغ فاکتور با پیش‌فاکتور یکی نیست",
            "سلام، مبلغ فاکتور آخر با پیش‌فاکتوری که تأیید کرده بودیم حدود ۸ درصد اختلاف دارد. "
            "لطفاً بررسی کنید.",
        ),
        (
            "درخواست فاکتور رسمی",
            "برای ثبت در حسابداری به فاکتور رسمی با کد اقتصادی شرکت نیاز داریم.",
        ),
        (
            "مبلغ دو بار از حساب کسر شده",
            "هنگام پرداخت آنلاین خطا گرفتم ولی مبلغ دو بار از کارتم کم شده است.",
        ),
        (
            "تمدید اشتراک سالانه",
            "اشتراک ما تا پایان ماه تمام می‌شود؛ شرایط تمدید و تخفیف تمدید را بفرمایید.",
        ),
        (
            "بازگشت وجه سفارش لغوشده",
            "سفارش را هفته پیش لغو کردیم ولی هنوز وجه به حساب برنگشته است.",
        ),
    ],
    TECHNICAL: [
        (
            "خطای ۵۰۰ هنگام ثبت سفارش",
            "از صبح امروز هنگام ثبت سفارش در پنل، خطای ۵۰۰ می‌گیریم و کار فروش متوقف شده است.",
        ),
        (
            "کندی شدید پنل",
            "باز شدن صفحه گزارش‌ها بیش از یک دقیقه طول می‌کشد. کاربران زیادی شکایت دارند.",
        ),
        (
            "پیامک‌ها ارسال نمی‌شوند",
            "از دیروز پیامک‌های اطلاع‌رسانی به مشتریان ما نمی‌رسد؛ اعتبار پنل هم کافی است.",
        ),
        (
            "قطعی اینترنت دفتر مرکزی",
            "از ساعت ۹ صبح اینترنت دفتر قطع است؛ چراغ DSL مودم چشمک می‌زند.",
        ),
        (
            "خروجی اکسل فارسی به‌هم‌ریخته است",
            "در فایل اکسل خروجی، حروف فارسی به صورت علامت سؤال نمایش داده می‌شوند.",
        ),
        (
            "همگام‌سازی با نرم‌افزار حسابداری انجام نمی‌شود",
            "فاکتورهای این هفته به نرم‌افزار حسابداری منتقل نشده‌اند.",
        ),
    ],
    ACCOUNT: [
        (
            "بازیابی گذرواژه",
            "گذرواژه را فراموش کرده‌ام و پیامک بازیابی هم به دستم نمی‌رسد.",
        ),
        (
            "افزودن کاربر جدید",
            "لطفاً برای همکار جدیدمان در واحد فروش یک حساب کاربری بسازید.",
        ),
        (
            "حساب کاربری قفل شده",
            "بعد از چند بار ورود ناموفق، حساب کاربری‌ام قفل شده است.",
        ),
        (
            "تغییر شماره همراه حساب",
            "شماره همراهم عوض شده؛ چطور شماره حساب کاربری را به‌روز کنم؟",
        ),
    ],
    DELIVERY: [
        (
            "پیگیری سفارش ارسال‌نشده",
            "سفارش ما ده روز پیش ثبت شده ولی هنوز ارسال نشده است. لطفاً پیگیری کنید.",
        ),
        (
            "کالا ناقص تحویل شده",
            "در بسته تحویلی، دو قلم از اقلام سفارش نبود.",
        ),
        (
            "هماهنگی زمان نصب",
            "دستگاه رسیده است؛ برای نصب و راه‌اندازی، کارشناس چه روزی تشریف می‌آورند؟",
        ),
        (
            "تغییر نشانی تحویل",
            "نشانی انبار ما عوض شده؛ لطفاً سفارش در حال ارسال به نشانی جدید برود.",
        ),
    ],
    WARRANTY: [
        (
            "درخواست تعویض دستگاه معیوب",
            "دستگاه پس از دو هفته کار خاموش شده و دیگر روشن نمی‌شود؛ هنوز در گارانتی است.",
        ),
        (
            "مرجوعی کالا",
            "کالای دریافتی با مشخصات سفارش هم‌خوانی ندارد و می‌خواهیم مرجوع کنیم.",
        ),
        (
            "استعلام وضعیت گارانتی",
            "لطفاً بفرمایید گارانتی دستگاه با شماره سریال ثبت‌شده تا چه تاریخی معتبر است.",
        ),
    ],
    FEEDBACK: [
        (
            "پیشنهاد افزودن گزارش ماهانه",
            "خوب است گزارش ماهانه فروش به تفکیک استان هم در پنل باشد.",
        ),
        (
            "گلایه از برخورد کارشناس",
            "دیروز در تماس تلفنی پاسخ قانع‌کننده‌ای نگرفتم و تماس نیمه‌کاره ماند.",
        ),
        (
            "تشکر از پشتیبانی",
            "از پیگیری سریع همکارتان در مشکل هفته گذشته سپاسگزارم.",
        ),
    ],
}
FIRST_REPLIES = [
    "سلام {name} عزیز، درخواست شما ثبت شد و در حال بررسی است. نتیجه را به زودی اطلاع می‌دهیم.",
    "سلام، از اطلاع‌رسانی شما سپاسگزاریم. موضوع را با واحد مربوط بررسی می‌کنیم.",
    "سلام {name} گرامی، پوزش می‌خواهیم بابت مشکل پیش‌آمده؛ همکاران فنی مشغول بررسی هستند.",
    "وقت بخیر، درخواست‌تان به دست من رسید و پیگیری آن را بر عهده گرفتم.",
]
ASK_CUSTOMER = [
    "برای ادامه بررسی، لطفاً تصویر پیام خطا و زمان دقیق بروز مشکل را بفرستید.",
    "لطفاً شماره سفارش یا شماره فاکتور را برای ما بفرستید.",
    "لطفاً مودم را یک بار خاموش و روشن کنید و نتیجه را اطلاع دهید.",
    "ممکن است شماره سریال دستگاه را از برچسب پشت آن برای ما بفرستید؟",
]
CUSTOMER_ANSWERS = [
    "تصویر خطا را پیوست کردم؛ مشکل حدود ساعت ۱۰ صبح شروع شد.",
    "شماره سفارش ۱۴۰۳۲۲۸ است.",
    "مودم را خاموش و روشن کردم ولی تغییری نکرد.",
    "شماره سریال را فرستادم. لطفاً زودتر رسیدگی کنید، کارمان لنگ است.",
    "ممنون، منتظر پاسخ شما هستم.",
]
NOTES = [
    "با واحد مالی هماهنگ شد؛ اصلاحیه فاکتور تا فردا صادر می‌شود.",
    "مشکل در سرور ارسال پیامک بود؛ به تیم فنی اطلاع دادم.",
    "مشتری قبلاً هم همین مشکل را داشته؛ سابقه را ببینید.",
    "با انبار تماس گرفتم؛ بسته امروز تحویل پست شده است.",
    "مشتری عجله دارد؛ لطفاً اولویت بدهید.",
    "موضوع نیاز به بررسی لاگ‌های سرور دارد.",
]
SOLUTIONS = [
    "مشکل برطرف شد. لطفاً دوباره امتحان کنید و اگر مورد دیگری بود در خدمتیم.",
    "اصلاحیه فاکتور صادر و برای شما ایمیل شد.",
    "مبلغ کسرشده اضافه طی ۷۲ ساعت کاری به حساب شما برمی‌گردد.",
    "حساب کاربری شما باز شد و پیوند تعیین گذرواژه تازه برایتان ارسال شد.",
    "سفارش شما امروز ارسال شد؛ کد رهگیری پستی را پیامک کردیم.",
    "درخواست تعویض تأیید شد؛ همکاران ما برای دریافت دستگاه با شما هماهنگ می‌کنند.",
    "از پیشنهاد شما سپاسگزاریم؛ آن را به تیم محصول منتقل کردیم.",
]
THANKS = [
    "ممنون، مشکل حل شد.",
    "خیلی ممنون از پیگیری‌تان.",
    "متشکرم، الان درست کار می‌کند.",
]
REOPEN_MESSAGES = [
    "متأسفانه مشکل دوباره تکرار شد.",
    "هنوز درست نشده است؛ لطفاً دوباره بررسی کنید.",
]
ESCALATION_REASONS = [
    "نیاز به بررسی فنی عمیق‌تر و دسترسی به سرور دارد.",
    "مشتری VIP است و موضوع از توان سطح ۱ خارج است.",
    "مشکل تکراری است و باید ریشه‌یابی شود.",
]
EXPERT_REASONS = ["نیاز به تصمیم مدیریت درباره جبران خسارت مشتری دارد."]
CSAT_COMMENTS = {
    5: ["عالی بود، خیلی سریع رسیدگی شد.", "از حوصله و دقت کارشناس ممنونم.", ""],
    4: ["خوب بود، فقط کمی طول کشید.", "راضی هستم.", ""],
    3: ["مشکل حل شد ولی چند بار پیگیری کردم.", "معمولی بود.", ""],
    2: ["پاسخ‌ها دیر می‌رسید.", "مجبور شدم چند بار توضیح بدهم."],
    1: ["بسیار کند و بی‌نتیجه بود.", "از نحوه برخورد راضی نبودم."],
}
RATING_WEIGHTS = [4, 6, 12, 30, 48]  # 1..5

# Which starter articles (knowledge/samples.py) help with which category, by title words.
ARTICLE_WORDS = {
    ACCOUNT: ["گذرواژه"],
    TECHNICAL: ["اینترنت", "پیگیری وضعیت"],
    DELIVERY: ["پیگیری وضعیت"],
    WARRANTY: ["پیگیری وضعیت"],
}

DEMO_RULES = [
    "همه درخواست‌ها به صف پشتیبانی",
    "مالی و صورت‌حساب: پشتیبانی سطح ۱",
    "مشتریان VIP: سطح ۲",
    "درخواست‌های فوری: سطح ۲",
]
DEMO_POLICIES = ["درخواست‌های فوری", "اولویت بالا و VIP", "عادی"]


@dataclass
class _Story:
    """The demo's history as it is written: before each step, (wall clock, planned moment);
    the tickets opened; each ticket's SLA events to replay; CSAT answers still to write."""

    marks: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    sla_events: dict[int, list[tuple[str, dt.datetime]]] = field(default_factory=dict)
    # (ticket, resolved, answered): the customer's CSAT answer, written after the story.
    surveys: list[tuple[Ticket, dt.datetime, dt.datetime]] = field(default_factory=list)

    def at(self, planned: dt.datetime) -> dt.datetime:
        self.marks.append((timezone.now(), planned))
        return planned

    def event(self, ticket: Ticket, kind: str, when: dt.datetime) -> None:
        self.sla_events.setdefault(ticket.pk, []).append((kind, when))

    def mapper(self):
        reals = [real for real, _ in self.marks]

        def to_plan(value: dt.datetime | None) -> dt.datetime | None:
            if value is None:
                return None
            index = bisect.bisect_right(reals, value) - 1
            if index < 0:
                return value
            real, planned = self.marks[index]
            return planned + (value - real)

        return to_plan


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No CSAT survey and no reply e-mail for the demo's history (answers are written below),
    and no live SLA clock: it is replayed at the planned moments afterwards."""
    from . import mail

    signals.ticket_status_changed.disconnect(sender=Ticket, dispatch_uid="csat-status")
    signals.message_added.disconnect(dispatch_uid="service-mail-reply")
    signals.ticket_opened.disconnect(sender=Ticket, dispatch_uid="sla-opened")
    signals.ticket_status_changed.disconnect(sender=Ticket, dispatch_uid="sla-status")
    signals.message_added.disconnect(sender=Ticket, dispatch_uid="sla-message")
    signals.ticket_changed.disconnect(sender=Ticket, dispatch_uid="sla-changed")
    try:
        yield
    finally:
        sla_clock.connect()
        csat.connect()
        signals.message_added.connect(mail._email_public_reply, dispatch_uid="service-mail-reply")


def load(context) -> dict[str, int]:
    if not context.contacts:
        return {}
    # The audit log would date every change to the load itself; the history is the timeline.
    with _quiet(), disable_auditlog():
        return _Loader(context).run()


class _Loader:
    def __init__(self, context):
        self.context = context
        self.rng = context.rng
        self.now = context.now
        self.team = context.teams[SUPPORT_TEAM]
        self.agents = [context.users[name] for name in AGENTS]
        self.senior = context.users[SENIOR]
        self.expert = context.users.get(EXPERT, self.senior)
        self.tiers = {tier.level: tier for tier in SupportTier.objects.filter(is_active=True)}
        self.ticket_type = ContentType.objects.get_for_model(Ticket)
        self.counts = {"tickets": 0, "csat answers": 0, "sla breaches": 0}
        self.previous: dict[int, Ticket] = {}  # the contact's last ticket, to link follow-ups
        self.last_contacted: dict[int, dt.datetime | None] = {}
        self.last_notification = (
            Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )

    # --- Setup --------------------------------------------------------------------------------

    def setup(self) -> None:
        self.categories = {}
        for order, (name, description) in enumerate(CATEGORIES, start=1):
            category, _ = TicketCategory.objects.get_or_create(
                name=name, defaults={"description": description, "order": order}
            )
            self.categories[name] = category
        if not RoutingRule.objects.exists():
            self._routing_rules()
        if not SlaPolicy.objects.exists():
            self._sla_policies()
        from peyvand.knowledge.models import Article, CannedResponse

        # Persian tickets get the Persian articles that fit their category.
        published = list(Article.objects.published().filter(language="fa").order_by("id"))
        self.articles = {
            name: [a for a in published if any(word in a.title for word in words)]
            for name, words in ARTICLE_WORDS.items()
        }
        self.canned = list(CannedResponse.objects.filter(is_active=True, language="fa"))

    def _routing_rules(self) -> None:
        """Everything to the support team's queue by turns; billing stays in L1 and is tagged;
        VIP customers and urgent tickets start in L2 with the team lead."""
        l1, l2 = self.tiers.get(1), self.tiers.get(2)
        everything, billing, vip, urgent = DEMO_RULES
        RoutingRule.objects.create(
            order=1, name=everything, set_team=self.team, strategy=AssignStrategy.ROUND_ROBIN
        )
        rule = RoutingRule.objects.create(
            order=2,
            name=billing,
            set_tier=l1,
            set_team=self.team,
            add_tags=["مالی"],
            strategy=AssignStrategy.ROUND_ROBIN,
        )
        rule.categories.set([self.categories[BILLING]])
        RoutingRule.objects.create(
            order=3,
            name=vip,
            customer_tags=["VIP"],
            set_tier=l2,
            set_team=self.team,
            strategy=AssignStrategy.LEAST_LOADED,
        )
        RoutingRule.objects.create(
            order=4,
            name=urgent,
            priorities=[TicketPriority.URGENT],
            set_tier=l2,
            set_team=self.team,
            strategy=AssignStrategy.LEAST_LOADED,
        )

    def _sla_policies(self) -> None:
        urgent, high, normal = DEMO_POLICIES
        calendar = sla_clock.default_calendar()
        SlaPolicy.objects.create(
            name=urgent,
            position=1,
            priorities=[TicketPriority.URGENT],
            first_response_minutes=60,
            resolution_minutes=8 * 60,
            warn_before_minutes=15,
            calendar=calendar,
        )
        SlaPolicy.objects.create(
            name=high,
            position=2,
            priorities=[TicketPriority.HIGH],
            customer_tags=[],
            first_response_minutes=4 * 60,
            resolution_minutes=2 * 9 * 60,
            calendar=calendar,
        )
        SlaPolicy.objects.create(
            name=normal,
            position=3,
            first_response_minutes=8 * 60,
            resolution_minutes=5 * 9 * 60,
            calendar=calendar,
        )

    # --- Stories ------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self.setup()
        rng = self.rng
        contacts = list(self.context.contacts)
        for contact in contacts:
            self.last_contacted[contact.pk] = contact.last_contacted_at
        # A few customers open most tickets, as in real life.
        regulars = rng.sample(contacts, min(len(contacts), 25))
        count = max(30, min(TICKETS, len(contacts) // 2))
        births = sorted(self._birth() for _ in range(count))
        duplicates = set(rng.sample(range(count), 4))
        # One log for all the stories: they run one after another, so the wall clock alone
        # tells which step wrote a record.
        story = _Story()
        for index, born in enumerate(births):
            contact = rng.choice(regulars) if rng.random() < 0.35 else rng.choice(contacts)
            self._story(story, contact, born, duplicate=index in duplicates)
            self._answer_surveys(story)
        self._backdate(story)
        self._fix_last_contacted()
        self.counts["sla breaches"] = SlaBreach.objects.count()
        return self.counts

    def _birth(self) -> dt.datetime:
        """Mostly office hours on working days (Saturday to Wednesday), Tehran time."""
        rng = self.rng
        local_now = timezone.localtime(self.now)
        while True:
            day = local_now - dt.timedelta(days=rng.randrange(DAYS))
            if day.weekday() in (3, 4) and rng.random() < 0.8:  # Thursday, Friday
                continue
            hour = rng.randint(8, 17) if rng.random() < 0.85 else rng.choice([7, 19, 21, 23])
            moment = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
            if moment < self.now - dt.timedelta(minutes=30):
                return moment

    def _final_status(self, born: dt.datetime) -> str:
        age_days = (self.now - born).days
        rng = self.rng
        if age_days > 20:
            weights = {"closed": 48, "resolved": 48, "waiting": 1.5, "open": 1.5, "new": 1}
        elif age_days > 5:
            weights = {"closed": 15, "resolved": 45, "waiting": 15, "open": 20, "new": 5}
        else:
            weights = {"closed": 0, "resolved": 30, "waiting": 20, "open": 30, "new": 20}
        return rng.choices(list(weights), weights=list(weights.values()))[0]

    def _story(self, story: _Story, contact: Contact, born: dt.datetime, *, duplicate: bool):
        rng = self.rng
        channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
        category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
        subject, description = rng.choice(ISSUES[category])
        priority = rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0]
        opener = rng.choice(self.agents) if channel in STAFF_CHANNELS else None
        final = self._final_status(born)

        when = story.at(born)
        ticket = services.open_ticket(
            user=opener,
            data={
                "subject": subject,
                "description": description,
                "channel": channel,
                "contact": contact,
                "category": self.categories[category],
                "priority": priority,
                "external_ref": f"demo-api-{rng.randrange(10**6)}"
                if channel == TicketChannel.API
                else "",
            },
        )
        story.tickets.append(ticket)
        story.event(ticket, "start", when)
        self.counts["tickets"] += 1
        previous = self.previous.get(contact.pk)
        self.previous[contact.pk] = ticket

        if duplicate:
            # The customer wrote again before anyone answered; the agent merges the two.
            when = story.at(when + dt.timedelta(minutes=rng.randint(20, 90)))
            dup = services.open_ticket(
                user=None,
                data={
                    "subject": f"پیگیری: {subject}",
                    "description": "سلام، درخواستم را دوباره می‌فرستم چون هنوز پاسخی نگرفته‌ام.",
                    "channel": TicketChannel.EMAIL,
                    "contact": contact,
                    "category": self.categories[category],
                    "priority": priority,
                },
            )
            story.tickets.append(dup)
            story.event(dup, "start", when)
            self.counts["tickets"] += 1
            when = story.at(when + dt.timedelta(minutes=rng.randint(10, 60)))
            services.merge_tickets(ticket, [dup], user=ticket.assignee or self.senior)
            story.event(dup, "stop", when)
        elif previous is not None and rng.random() < 0.3 and not previous.is_merged:
            services.link_tickets(ticket, previous, user=ticket.assignee or self.senior)

        if final == "new":
            return
        agent = ticket.assignee
        if agent is None:
            agent = rng.choice(self.agents)
            when = story.at(when + dt.timedelta(minutes=rng.randint(5, 40)))
            services.assign(ticket, by=self.senior, user=agent, team=self.team)

        # First response: usually within hours, sometimes (a breach) days later.
        delay = (
            dt.timedelta(hours=rng.uniform(9, 60))
            if rng.random() < 0.15
            else dt.timedelta(minutes=rng.randint(8, 240))
        )
        if ticket.priority == TicketPriority.URGENT and rng.random() < 0.7:
            delay = dt.timedelta(minutes=rng.randint(5, 50))
        when = self._step(story, when + delay)
        if when is None:
            return
        articles = self.articles.get(category) or []
        if articles and rng.random() < 0.5:
            resources.link_article(ticket, rng.choice(articles), user=agent)
        body = rng.choice(FIRST_REPLIES).format(name=contact.first_name)
        if self.canned and rng.random() < 0.25:
            body = resources.use_canned_response(ticket, rng.choice(self.canned), user=agent).text
        asks = final != "open" and rng.random() < 0.45
        services.add_reply(
            ticket,
            user=agent,
            body=body + ("\n\n" + rng.choice(ASK_CUSTOMER) if asks else ""),
            channel=channel if channel != TicketChannel.API else TicketChannel.EMAIL,
            status=TicketStatus.WAITING_CUSTOMER if asks else None,
        )
        story.event(ticket, "first_response", when)
        if asks:
            story.event(ticket, "pause", when)
        if rng.random() < 0.4:
            when = self._step(story, when + dt.timedelta(minutes=rng.randint(5, 120)))
            if when is None:
                return
            services.add_note(ticket, user=agent, body=rng.choice(NOTES))

        escalate = ticket.tier is not None and ticket.tier.level < 2 and rng.random() < 0.15
        if escalate and not asks:
            when = self._step(story, when + dt.timedelta(hours=rng.uniform(1, 20)))
            if when is None:
                return
            services.escalate(
                ticket, user=agent, reason=rng.choice(ESCALATION_REASONS), team=self.team
            )
            services.assign(ticket, by=agent, user=self.senior, team=self.team)
            agent = self.senior
            if rng.random() < 0.3 and self.tiers.get(3):
                when = self._step(story, when + dt.timedelta(hours=rng.uniform(2, 30)))
                if when is None:
                    return
                services.escalate(
                    ticket, user=agent, reason=rng.choice(EXPERT_REASONS), team=self.team
                )
                services.assign(ticket, by=agent, user=self.expert, team=self.team)
                agent = self.expert

        if asks:
            if final == "waiting":
                return
            when = self._step(story, when + dt.timedelta(hours=rng.uniform(1, 40)))
            if when is None:
                return
            services.add_customer_message(
                ticket, body=rng.choice(CUSTOMER_ANSWERS), contact=contact, channel=channel
            )
            story.event(ticket, "resume", when)
        if final in ("open", "waiting"):
            if final == "waiting":
                when = self._step(story, when + dt.timedelta(hours=rng.uniform(1, 8)))
                if when is None:
                    return
                services.add_reply(
                    ticket,
                    user=agent,
                    body=rng.choice(ASK_CUSTOMER),
                    status=TicketStatus.WAITING_CUSTOMER,
                )
                story.event(ticket, "pause", when)
            return

        when = self._resolve(story, ticket, agent, when)
        if when is None:
            return
        if rng.random() < 0.06:
            # Came back: the customer says it is not fixed; fixed again a day later.
            when = self._step(story, when + dt.timedelta(hours=rng.uniform(4, 48)))
            if when is None:
                return
            services.add_customer_message(
                ticket, body=rng.choice(REOPEN_MESSAGES), contact=contact, channel=channel
            )
            story.event(ticket, "resume", when)
            when = self._resolve(story, ticket, agent, when)
            if when is None:
                return
        if final == "closed":
            when = self._step(story, when + dt.timedelta(days=rng.uniform(3, 7)))
            if when is not None:
                services.change_status(ticket, TicketStatus.CLOSED, user=None)

    def _step(self, story: _Story, when: dt.datetime) -> dt.datetime | None:
        """The next step's moment, or None when it would be in the future (the story stops)."""
        if when >= self.now - dt.timedelta(minutes=5):
            return None
        return story.at(when)

    def _resolve(self, story: _Story, ticket: Ticket, agent, when: dt.datetime):
        rng = self.rng
        hours = rng.uniform(1, 20) if rng.random() < 0.88 else rng.uniform(40, 200)
        when = self._step(story, when + dt.timedelta(hours=hours))
        if when is None:
            return None
        services.add_reply(
            ticket, user=agent, body=rng.choice(SOLUTIONS), status=TicketStatus.RESOLVED
        )
        story.event(ticket, "stop", when)
        if rng.random() < 0.8:
            answered = when + dt.timedelta(hours=rng.uniform(0.2, 30))
            if answered < self.now:
                story.surveys.append((ticket, when, answered))
        if rng.random() < 0.25:
            later = self._step(story, when + dt.timedelta(minutes=rng.randint(10, 300)))
            if later is not None:
                services.add_customer_message(
                    ticket, body=rng.choice(THANKS), contact=ticket.contact, channel=""
                )
                # A thank-you reopens the ticket; the agent resolves it again at once.
                services.change_status(ticket, TicketStatus.RESOLVED, user=agent)
                story.event(ticket, "resume", later)
                story.event(ticket, "stop", later)
                when = later
        return when

    # --- Backdating ----------------------------------------------------------------------------

    def _backdate(self, story: _Story) -> None:
        ids = [t.pk for t in story.tickets]
        to_plan = story.mapper()

        tickets = list(Ticket.objects.filter(pk__in=ids))
        stamps = (
            "created_at",
            "updated_at",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "last_activity_at",
        )
        for ticket in tickets:
            for name in stamps:
                setattr(ticket, name, to_plan(getattr(ticket, name)))
        Ticket.objects.bulk_update(tickets, stamps, batch_size=BATCH)
        self._shift(TicketMessage.objects.filter(ticket_id__in=ids), ["created_at"], to_plan)
        self._shift(
            TimelineEntry.objects.filter(source_type=self.ticket_type, source_id__in=ids),
            ["occurred_at", "created_at"],
            to_plan,
        )
        self._shift(Escalation.objects.filter(ticket_id__in=ids), ["created_at"], to_plan)
        self._shift(RuleFiring.objects.filter(ticket_id__in=ids), ["fired_at"], to_plan)
        self._shift(TicketResource.objects.filter(ticket_id__in=ids), ["used_at"], to_plan)
        surveys = list(CsatSurvey.objects.filter(ticket_id__in=ids))
        for survey in surveys:
            survey.sent_at = to_plan(survey.sent_at)
            survey.answered_at = to_plan(survey.answered_at)
            survey.expires_at = survey.sent_at + csat.ttl()
        CsatSurvey.objects.bulk_update(
            surveys, ["sent_at", "answered_at", "expires_at"], batch_size=BATCH
        )
        self._shift_notifications(to_plan)
        # One deferred check per running clock at the end, not one per replayed step.
        with sla_clock.scheduling_paused():
            for ticket in tickets:
                self._replay_sla(ticket, story.sla_events.get(ticket.pk, []))
        for clock in TicketSla.objects.filter(state=SlaState.RUNNING, ticket_id__in=ids):
            sla_clock.schedule_checks(clock)

    def _shift_notifications(self, to_plan) -> None:
        """The agents' inbox: assignments dated with their step, the old ones already read."""
        rows = list(Notification.objects.filter(pk__gt=self.last_notification))
        for row in rows:
            row.created_at = to_plan(row.created_at)
            if row.created_at < self.now - dt.timedelta(days=2):
                row.read_at = row.created_at + dt.timedelta(minutes=self.rng.randint(5, 600))
        Notification.objects.bulk_update(rows, ["created_at", "read_at"], batch_size=BATCH)

    @staticmethod
    def _shift(queryset, names: list[str], to_plan) -> None:
        rows = list(queryset)
        for row in rows:
            for name in names:
                setattr(row, name, to_plan(getattr(row, name)))
        if rows:
            queryset.model.objects.bulk_update(rows, names, batch_size=BATCH)

    def _answer_surveys(self, story: _Story) -> None:
        """The customer's answer, through the CSAT service (it records the timeline entry)."""
        rng = self.rng
        for ticket, resolved, answered in story.surveys:
            raw = hashlib.sha256(f"demo-csat-{ticket.pk}-{rng.random()}".encode()).hexdigest()
            story.at(resolved + dt.timedelta(minutes=2))
            CsatSurvey.objects.create(
                ticket=ticket,
                token_hash=hash_csat_token(raw),
                sent_via=["email", "sms"],
                sent_at=timezone.now(),
                expires_at=timezone.now() + csat.ttl(),
            )
            story.at(answered)
            rating = rng.choices([1, 2, 3, 4, 5], weights=RATING_WEIGHTS)[0]
            csat.answer_survey(raw, rating=rating, comment=rng.choice(CSAT_COMMENTS[rating]))
            self.counts["csat answers"] += 1
        story.surveys.clear()

    def _replay_sla(self, ticket: Ticket, events: list[tuple[str, dt.datetime]]) -> None:
        """The SLA clock as it would have run: started, paused, answered and stopped at the
        planned moments (business hours, breaches and all)."""
        TicketSla.objects.filter(ticket=ticket).delete()
        SlaBreach.objects.filter(ticket=ticket).delete()
        status, responded = ticket.status, ticket.first_responded_at
        ticket.status, ticket.first_responded_at = TicketStatus.OPEN, None
        started = False
        for kind, when in events:
            if kind == "start":
                sla_clock.start_clock(ticket, at=when)
                started = True
            elif not started:
                continue
            elif kind == "first_response":
                sla_clock.record_first_response(ticket, at=when)
            elif kind == "pause":
                sla_clock.pause_clock(ticket, at=when)
            elif kind == "resume":
                sla_clock.resume_clock(ticket, at=when)
            elif kind == "stop":
                sla_clock.stop_clock(ticket, at=when)
        ticket.status, ticket.first_responded_at = status, responded
        # Deadlines that passed while the ticket was still open: breached then, as the sweep
        # would have recorded.
        clock = TicketSla.objects.filter(ticket=ticket).first()
        if clock is None or not ticket.is_active:
            return
        for metric in (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION):
            due = clock.due_at(metric)
            if clock.met_at(metric) is None and due < self.now:
                sla_clock.check_ticket_sla(
                    ticket.pk, now=min(due + dt.timedelta(minutes=3), self.now)
                )
                clock.refresh_from_db()

    def _fix_last_contacted(self) -> None:
        """Replies moved a contact's last contact to the load's wall clock; put it back to the
        latest of the foundation's value and the (backdated) replies."""
        latest = dict(
            TicketMessage.objects.filter(kind=MessageKind.REPLY, ticket__contact__isnull=False)
            .values_list("ticket__contact")
            .annotate(last=Max("created_at"))
        )
        for contact_id, last in latest.items():
            before = self.last_contacted.get(contact_id)
            value = max(v for v in (before, last) if v is not None)
            Contact.objects.filter(pk=contact_id).update(last_contacted_at=value)


def flush() -> None:
    Ticket.objects.all().delete()
    TicketTeamRotation.objects.filter(team__name=SUPPORT_TEAM).delete()
    RoutingRule.objects.filter(name__in=DEMO_RULES).delete()
    SlaPolicy.objects.filter(name__in=DEMO_POLICIES).delete()
    TicketCategory.objects.filter(name__in=[name for name, _ in CATEGORIES]).delete()
