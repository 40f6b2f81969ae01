"""Forms of the knowledge pages. They shape input; services.py validates and writes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peyvand.core.forms import PersianTextField

from . import selectors
from .models import (
    TITLE_MAX,
    Article,
    ArticleCategory,
    ArticleStatus,
    CannedResponse,
    Language,
    Visibility,
)


class CategoryChoiceField(forms.ModelChoiceField):
    """Categories indented under their parent."""

    def __init__(self, **kwargs) -> None:
        super().__init__(queryset=ArticleCategory.objects.all(), **kwargs)
        self._depths: dict[int, int] | None = None

    def __deepcopy__(self, memo):
        # Each form gets its own copy; depths are read again on its first render.
        copy = super().__deepcopy__(memo)
        copy._depths = None
        return copy

    def label_from_instance(self, obj: ArticleCategory) -> str:
        if self._depths is None:
            self._depths = {category.pk: depth for category, depth in selectors.category_tree()}
        return "— " * self._depths.get(obj.pk, 0) + obj.name


class ArticleForm(forms.Form):
    title = PersianTextField(label=_("Title"), max_length=TITLE_MAX)
    body = PersianTextField(
        label=_("Body"),
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 18, "dir": "auto"}),
        help_text=Article._meta.get_field("body").help_text,
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    category = CategoryChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ArticleStatus.choices)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=700,
        help_text=_("Separate tags with commas."),
    )
    translation = forms.ModelChoiceField(
        label=_("Translation"),
        queryset=Article.objects.none(),
        required=False,
        help_text=_("The same article in the other language, if there is one."),
    )

    def __init__(self, *args, article: Article | None = None, **kwargs) -> None:
        if article is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": article.title,
                "body": article.body,
                "language": article.language,
                "category": article.category_id,
                "status": article.status,
                "visibility": article.visibility,
                "tags": ", ".join(tag.name for tag in article.tags.all()),
                "translation": article.translation_id,
            }
        super().__init__(*args, **kwargs)
        candidates = Article.objects.only("id", "title", "language").order_by("title", "id")
        if article is not None:
            candidates = candidates.exclude(pk=article.pk)
        self.fields["translation"].queryset = candidates


class CannedResponseForm(forms.Form):
    title = PersianTextField(label=_("Title"), max_length=TITLE_MAX)
    body = PersianTextField(
        label=_("Text"),
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 10, "dir": "auto"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    category = CategoryChoiceField(label=_("Category"), required=False)
    is_shared = forms.BooleanField(
        label=_("Shared with the team"),
        required=False,
        help_text=CannedResponse._meta.get_field("is_shared").help_text,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self, *args, response: CannedResponse | None = None, can_share: bool = True, **kwargs
    ) -> None:
        if response is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": response.title,
                "body": response.body,
                "language": response.language,
                "category": response.category_id,
                "is_shared": response.is_shared,
                "is_active": response.is_active,
            }
        super().__init__(*args, **kwargs)
        if not can_share:
            # Agents without the change permission keep personal responses only.
            del self.fields["is_shared"]


class CategoryForm(forms.Form):
    name = PersianTextField(label=_("Name"), max_length=120)
    parent = CategoryChoiceField(label=_("Parent category"), required=False)
    order = forms.IntegerField(
        label=_("Position in the list"), min_value=0, initial=0, required=False
    )
