"""How long a free text may be, declared once on the model field.

A `TextField(max_length=…)` alone limits only its form field (Django gives the textarea a `maxlength`
and the form a "at most … characters" error) and DRF's model serializers; the model itself accepts any
length, so a service's `full_clean()` would pass a 210,000-character notice. `LimitedTextField` adds the
model validator as `CharField` does, so the page, the API, the admin and every service refuse the same
text with the same message.

Hand-written form and serializer fields take their limit from the model (`max_length_of`), never a
number of their own.
"""

from django.core import validators
from django.db import models

# Sizes a person writing in the portal accepts: a title fits a line, a short text a few paragraphs, a
# text a page or two, a long text many pages; a document (minutes, an agreement's summary) is a long one.
TITLE = 200
SHORT_TEXT = 2_000
TEXT = 5_000
LONG_TEXT = 20_000
DOCUMENT = 50_000
# A notification's text is written by the portal around such texts (the minutes e-mail quotes the minutes
# and the decisions).
NOTIFICATION = 100_000


class LimitedTextField(models.TextField):
    def __init__(self, *args, max_length, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(validators.MaxLengthValidator(self.max_length))

    def deconstruct(self):
        # The database column is a plain text column: migrations do not depend on this module.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


def max_length_of(model, field_name):
    """The model field's limit, for a form or serializer field that is not derived from the model."""
    return model._meta.get_field(field_name).max_length
