import pytest

from peyvand.knowledge.models import Article, CannedResponse
from peyvand.knowledge.samples import load_samples
from peyvand.knowledge.selectors import search_articles

pytestmark = pytest.mark.django_db


def test_sample_content_loads_once_and_is_searchable():
    first = load_samples()
    assert first.articles == 5 and first.canned_responses == 3
    assert load_samples().articles == 0
    assert Article.objects.count() == 5 and CannedResponse.objects.count() == 3
    fa = Article.objects.get(title="چگونه گذرواژه حساب کاربری را بازیابی کنم؟")
    assert fa.translation.language == "en" and fa.translation.translation_id == fa.pk
    assert search_articles("گذرواژه", public_only=True, language="fa") == [fa]
    assert search_articles("مودم", public_only=True) == []  # the checklist is internal
