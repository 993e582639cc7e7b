from django.db import migrations

# Languages most spoken in England after English (Census 2021), plus British Sign Language.
LANGUAGES = [
    ("en", "English", "English"), ("pl", "Polish", "Polski"), ("ro", "Romanian", "Română"),
    ("pa", "Punjabi", "ਪੰਜਾਬੀ"), ("ur", "Urdu", "اردو"), ("pt", "Portuguese", "Português"),
    ("es", "Spanish", "Español"), ("ar", "Arabic", "العربية"), ("bn", "Bengali", "বাংলা"),
    ("gu", "Gujarati", "ગુજરાતી"), ("it", "Italian", "Italiano"), ("lt", "Lithuanian", "Lietuvių"),
    ("zh", "Chinese (Mandarin)", "中文"), ("yue", "Chinese (Cantonese)", "廣東話"),
    ("fr", "French", "Français"), ("ta", "Tamil", "தமிழ்"), ("tr", "Turkish", "Türkçe"),
    ("so", "Somali", "Soomaali"), ("bg", "Bulgarian", "Български"), ("fa", "Persian (Farsi)", "فارسی"),
    ("ku", "Kurdish", "Kurdî"), ("ps", "Pashto", "پښتو"), ("ti", "Tigrinya", "ትግርኛ"),
    ("uk", "Ukrainian", "Українська"), ("ru", "Russian", "Русский"), ("hi", "Hindi", "हिन्दी"),
    ("ne", "Nepali", "नेपाली"), ("yo", "Yoruba", "Yorùbá"), ("tw", "Twi", "Twi"),
    ("cs", "Czech", "Čeština"), ("sk", "Slovak", "Slovenčina"), ("hu", "Hungarian", "Magyar"),
    ("lv", "Latvian", "Latviešu"), ("sq", "Albanian", "Shqip"), ("el", "Greek", "Ελληνικά"),
    ("vi", "Vietnamese", "Tiếng Việt"), ("tl", "Tagalog", "Tagalog"), ("ml", "Malayalam", "മലയാളം"),
    ("cy", "Welsh", "Cymraeg"), ("bfi", "British Sign Language", "BSL"),
]


def seed(apps, schema_editor):
    Language = apps.get_model("people", "Language")
    for code, name, native in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name, "native_name": native})


def unseed(apps, schema_editor):
    apps.get_model("people", "Language").objects.filter(
        code__in=[code for code, _, _ in LANGUAGES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
