"""Seed the three measures, wording version 1.

The 3Cs are worded in our own words from the meaning New NHS Alliance gives them: to be
well, people need enough Control over the circumstances of their lives, meaningful and
constructive Contact with other people, and the Confidence to act, alone or with others, to
make things better. ONS4 and the three-item UCLA loneliness scale keep their published
wording, which is what makes answers comparable with national figures.

To change a wording later: add a migration that creates the questions again with
``version`` + 1 and the same ``item`` codes, then sets ``Measure.version``. Old answers keep
the version they were asked in; change is compared per item.
"""

from django.db import migrations

ZERO_TEN = (0, 10)

MEASURES = [
    {
        "code": "3cs",
        "name": "Control, Contact and Confidence (the 3Cs of Health Creation)",
        "description": (
            "Health Creation helps people gain Control over their lives, meaningful Contact "
            "with others, and the Confidence to make things better. Each is asked on a scale "
            "from 0 to 10 about the last two weeks; higher is better."
        ),
        "scoring": "items",
        "source": "Worded by keepwell from the 3Cs of Health Creation (New NHS Alliance, 2020)",
        "order": 1,
        "questions": [
            (
                "control",
                "Control",
                "Over the last two weeks, how much have you felt in charge of the things that "
                "shape your life, such as your days, your home and your health?",
                ZERO_TEN,
                "Not at all",
                "Completely",
                False,
            ),
            (
                "contact",
                "Contact",
                "Over the last two weeks, how much have you had time with other people that "
                "meant something to you and did you good?",
                ZERO_TEN,
                "None at all",
                "As much as I want",
                False,
            ),
            (
                "confidence",
                "Confidence",
                "How sure do you feel that you could do something, on your own or with others, "
                "to make things better for yourself or the people around you?",
                ZERO_TEN,
                "Not at all sure",
                "Completely sure",
                False,
            ),
        ],
    },
    {
        "code": "ons4",
        "name": "Personal wellbeing (ONS4)",
        "description": (
            "The Office for National Statistics' four personal wellbeing questions, each from "
            "0 (not at all) to 10 (completely). For anxiety, lower is better."
        ),
        "scoring": "items",
        "source": "Office for National Statistics, personal well-being (ONS4)",
        "order": 2,
        "questions": [
            (
                "life_satisfaction",
                "Life satisfaction",
                "Overall, how satisfied are you with your life nowadays?",
                ZERO_TEN,
                "Not at all",
                "Completely",
                False,
            ),
            (
                "worthwhile",
                "Worthwhile",
                "Overall, to what extent do you feel that the things you do in your life are "
                "worthwhile?",
                ZERO_TEN,
                "Not at all",
                "Completely",
                False,
            ),
            (
                "happiness",
                "Happiness",
                "Overall, how happy did you feel yesterday?",
                ZERO_TEN,
                "Not at all",
                "Completely",
                False,
            ),
            (
                "anxiety",
                "Anxiety",
                "Overall, how anxious did you feel yesterday?",
                ZERO_TEN,
                "Not at all",
                "Completely",
                True,
            ),
        ],
    },
    {
        "code": "ucla3",
        "name": "Loneliness (three-item UCLA scale)",
        "description": (
            "Three questions answered hardly ever (1), some of the time (2) or often (3), "
            "added up to a score from 3 to 9. Lower is better."
        ),
        "scoring": "sum",
        "total_min": 3,
        "total_max": 9,
        "total_lower_is_better": True,
        "source": "Three-item UCLA Loneliness Scale (Hughes and others, 2004), as used by ONS",
        "order": 3,
        "questions": [
            (
                "lack_companionship",
                "Lack companionship",
                "How often do you feel that you lack companionship?",
                (1, 3),
                "",
                "",
                True,
            ),
            (
                "left_out",
                "Left out",
                "How often do you feel left out?",
                (1, 3),
                "",
                "",
                True,
            ),
            (
                "isolated",
                "Isolated",
                "How often do you feel isolated from others?",
                (1, 3),
                "",
                "",
                True,
            ),
        ],
    },
]
UCLA_CHOICES = [[1, "Hardly ever"], [2, "Some of the time"], [3, "Often"]]


def seed(apps, schema_editor):
    Measure = apps.get_model("outcomes", "Measure")
    Question = apps.get_model("outcomes", "Question")
    for spec in MEASURES:
        spec = dict(spec)
        questions = spec.pop("questions")
        measure, _ = Measure.objects.update_or_create(
            code=spec["code"], defaults={**spec, "version": 1}
        )
        for order, (item, label, wording, (low, high), low_label, high_label, lower) in enumerate(
            questions, start=1
        ):
            Question.objects.update_or_create(
                measure=measure,
                version=1,
                item=item,
                defaults={
                    "order": order,
                    "label": label,
                    "wording": wording,
                    "min_value": low,
                    "max_value": high,
                    "min_label": low_label,
                    "max_label": high_label,
                    "choices": UCLA_CHOICES if spec["code"] == "ucla3" else [],
                    "lower_is_better": lower,
                },
            )


def unseed(apps, schema_editor):
    Measure = apps.get_model("outcomes", "Measure")
    Question = apps.get_model("outcomes", "Question")
    codes = [spec["code"] for spec in MEASURES]
    Question.objects.filter(measure__code__in=codes, version=1).delete()
    Measure.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
