from django.db import migrations

QUESTIONS = [
    ("trust", "How much do you trust the other side to keep its commitments?", "Hvor meget stoler du på, at den anden part holder sine aftaler?"),
    ("communication", "How well do we communicate (openly, early, in the right channel)?", "Hvor godt kommunikerer vi (åbent, tidligt, i den rigtige kanal)?"),
    ("responsiveness", "How quickly does the other side respond when you need something?", "Hvor hurtigt reagerer den anden part, når du har brug for noget?"),
    ("problem_solving", "How well do we solve problems together, on the solution and not the blame?", "Hvor godt løser vi problemer sammen, med fokus på løsningen og ikke skylden?"),
    ("overall", "Overall, how satisfied are you with the collaboration?", "Hvor tilfreds er du alt i alt med samarbejdet?"),
]


def create(apps, schema_editor):
    SurveyQuestion = apps.get_model("relations", "SurveyQuestion")
    for order, (key, en, da) in enumerate(QUESTIONS, start=1):
        SurveyQuestion.objects.get_or_create(key=key, defaults={"text_en": en, "text_da": da, "order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("relations", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
