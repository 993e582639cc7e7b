"""The report's Table two as a taxonomy: four categories, each with the activities listed
under it. UUIDs are derived from the codes so every keepwell installation shares them."""

import uuid

from django.db import migrations

NAMESPACE = uuid.UUID("6f1c1d52-3c1e-4b7e-9a55-6a8f0c2b9e11")
TAXONOMY = "keepwell Table two activities"

# (category, category description, [(code, activity), ...]) in the report's order.
TABLE_TWO = [
    ("practical", "Practical support", [
        ("helplines-interpreting", "Helplines and interpreting support"),
        ("food-banks-delivery", "Food banks and home delivery of food packages"),
        ("shopping-medicines", "Shopping and medicines collection and delivery"),
        ("doorstep-issue-reporting", "Spotting an issue at the doorstep and reporting it to a provider"),
        ("it-equipment-digital-training", "IT equipment and digital training"),
        ("dog-walking-gardening", "Dog walking and gardening"),
        ("hospital-runs-comfort-packs", "Hospital runs and hospital comfort packs"),
        ("small-grants", "Small grants"),
    ]),
    ("educational", "Educational support", [
        ("materials-translation", "Making, translating and sharing information materials"),
        ("educational-meetings", "Educational meetings"),
        ("one-to-one-discussion", "One-to-one discussion"),
        ("social-media-information", "Information through social media"),
        ("tackling-misinformation", "Tracking and tackling misinformation"),
        ("learning-signposting", "Supporting learning and signposting to online learning"),
        ("local-media-information", "Information through local print and broadcast media"),
    ]),
    ("emotional", "Emotional support", [
        ("doorstep-peer-support", "Doorstep peer-to-peer support"),
        ("online-counselling", "Online counselling"),
        ("phone-check-in", "Phone check-in"),
        ("things-to-keep-busy", "Ideas and guidance on things to keep busy"),
        ("befriending", "Friendship and befriending phone service"),
        ("neighbour-connecting", "Connecting neighbours"),
        ("local-media-wellbeing", "Wellbeing support through local print and broadcast media"),
    ]),
    ("social", "Social activities", [
        ("choirs", "Online and doorstep choirs"),
        ("exercise-classes", "Online exercise, yoga, dance and similar classes"),
        ("craft-kits", "Circulating craft kits and sharing what people make"),
        ("seed-kits-vegetables", "Seed kits and sharing vegetables"),
        ("online-social-events", "Online social events"),
        ("art-craft-events", "Online art and craft events"),
        ("book-clubs", "Online book clubs"),
    ]),
]


def term_uuid(code):
    return uuid.uuid5(NAMESPACE, f"table-two/{code}")


def seed(apps, schema_editor):
    Taxonomy = apps.get_model("directory", "Taxonomy")
    Term = apps.get_model("directory", "TaxonomyTerm")
    taxonomy, _ = Taxonomy.objects.update_or_create(
        uuid=uuid.uuid5(NAMESPACE, "table-two"),
        defaults={
            "name": TAXONOMY,
            "description": "Activities that people and communities delivered during COVID-19, "
            "by kind of support (The Health Creation Alliance, Table two)",
            "version": "1",
        },
    )
    for category, label, activities in TABLE_TWO:
        parent, _ = Term.objects.update_or_create(
            uuid=term_uuid(category),
            defaults={
                "taxonomy": taxonomy,
                "code": category,
                "name": label,
                "description": label,
                "category": category,
            },
        )
        for code, name in activities:
            Term.objects.update_or_create(
                uuid=term_uuid(code),
                defaults={
                    "taxonomy": taxonomy,
                    "parent": parent,
                    "code": code,
                    "name": name,
                    "description": name,
                    "category": category,
                },
            )


def unseed(apps, schema_editor):
    apps.get_model("directory", "Taxonomy").objects.filter(
        uuid=uuid.uuid5(NAMESPACE, "table-two")
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0003_asset_map")]
    operations = [migrations.RunPython(seed, unseed)]
