from django.db import migrations

# The report's Table two, as kinds of help a group can be asked for, and what a volunteer
# must hold to give each. Doorstep help asks for an ID check; medicines an enhanced DBS check
# and an authorisation; controlled drugs the controlled-drugs authorisation as well.
# (slug, name, category, checks, authorisations, needs car, shown on the public form)
NEED_TYPES = [
    ("shopping", "Shopping", "practical", ["id_check"], [], False, True),
    ("prescription", "Prescription collection and delivery", "practical",
     ["dbs_enhanced"], ["medicines"], False, True),
    ("controlled_drugs", "Prescription delivery: controlled drugs", "practical",
     ["dbs_enhanced"], ["medicines", "controlled_drugs"], False, False),
    ("food_parcel", "Food parcel", "practical", ["id_check"], [], False, True),
    ("hot_meal", "Hot meal", "practical", ["id_check"], [], False, True),
    ("phone_check_in", "Phone check-in", "emotional", ["safeguarding_training"], [], False, True),
    ("befriending", "Befriending", "emotional", ["dbs_basic", "safeguarding_training"], [],
     False, True),
    ("dog_walking", "Dog walking", "practical", ["id_check"], [], False, True),
    ("gardening", "Gardening", "practical", ["id_check"], [], False, True),
    ("hospital_run", "Hospital run", "practical", ["dbs_basic"], [], True, True),
    ("comfort_pack", "Hospital comfort pack", "practical", ["id_check"], [], False, True),
    ("digital_help", "IT equipment and digital help", "educational", ["dbs_basic"], [], False,
     True),
    ("interpreting", "Interpreting", "practical", ["safeguarding_training"], [], False, True),
    ("other", "Something else", "practical", ["id_check"], [], False, True),
]


def seed(apps, schema_editor):
    NeedType = apps.get_model("help", "NeedType")
    for order, (slug, name, category, checks, auths, car, public) in enumerate(NEED_TYPES):
        NeedType.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "category": category,
                "required_checks": checks,
                "required_authorisations": auths,
                "needs_car": car,
                "public": public,
                "order": (order + 1) * 10,
            },
        )


def unseed(apps, schema_editor):
    NeedType = apps.get_model("help", "NeedType")
    NeedType.objects.filter(slug__in=[row[0] for row in NEED_TYPES], requests=None).delete()


class Migration(migrations.Migration):
    dependencies = [("help", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
