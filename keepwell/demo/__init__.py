"""The demo place: Wellbrook, a fictional town with fictional postcodes (area "WB").

Every capability may add its part in ``keepwell/<capability>/demo.py`` with a
``load(place: DemoPlace) -> None`` function; :func:`load_demo` calls them in
INSTALLED_APPS order. Loading must be idempotent: running it twice changes nothing.
"""
