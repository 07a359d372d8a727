"""Filter sets (django-filter's), shared by the REST API and the query API: a domain's
``filtersets.py`` declares how its objects are filtered once; REST reads the values from the
query string, the query API hands over its parsed parameters (:func:`apply`).

They are made as strict as the REST schema says they are:

* a filter given with nothing in it (``?cluster__uuid=``) is a 400 naming it, not "no filter";
* an integer column is filtered by integers (``?memory_mb=0.5`` is a 400), a boolean one by
  ``true`` or ``false`` only;
* values outside a field's choices are a 400 (django-filter's ChoiceFilter already).
"""
from django import forms
from django.db import models
from django_filters import rest_framework as filters

BOOLEANS = {"true": True, "false": False}


class StrictBooleanField(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return BOOLEANS[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError("Expected true or false.") from None


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)  # django-filter's BooleanWidget reads "null" as no filter
        super().__init__(*args, **kwargs)


class StrictFilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        **{field: {"filter_class": IntegerFilter} for field in (
            models.IntegerField, models.BigIntegerField, models.SmallIntegerField, models.PositiveIntegerField,
            models.PositiveSmallIntegerField, models.PositiveBigIntegerField, models.AutoField, models.BigAutoField)},
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }

    def is_valid(self):
        super().is_valid()
        for name in self.filters:
            if name in self.data and self.data.get(name, "").strip() == "":
                self.form.add_error(name, "This filter may not be empty.")
        return self.form.is_valid()


class StrictFilterBackend(filters.DjangoFilterBackend):
    filterset_base = StrictFilterSet


def apply(filterset_class, queryset, values):
    """``queryset`` filtered by the filters of ``filterset_class`` named in ``values``, whose
    values are already typed (the query API's parsed parameters); other names are ignored."""
    filterset = filterset_class(queryset=queryset)
    for name, value in values.items():
        if name in filterset.filters:
            queryset = filterset.filters[name].filter(queryset, value)
    return queryset
