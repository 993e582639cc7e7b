"""Places: postcodes from the ONS Postcode Directory, deprivation by LSOA, and areas."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from keepwell.places.geo import bounding_box


class PostcodeQuerySet(models.QuerySet):
    def near(self, lat: float, lon: float, km: float):
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, km)
        return self.filter(
            latitude__gte=min_lat,
            latitude__lte=max_lat,
            longitude__gte=min_lon,
            longitude__lte=max_lon,
        )


class PostcodeLocation(models.Model):
    """One live postcode and where it is (from ONSPD, or the demo place's own)."""

    postcode = models.CharField(max_length=8, unique=True)  # normalised: "SW1A 1AA"
    latitude = models.FloatField()
    longitude = models.FloatField()
    lsoa = models.CharField("LSOA 2021", max_length=9, blank=True, db_index=True)
    ward = models.CharField(max_length=9, blank=True)
    local_authority = models.CharField(max_length=9, blank=True)
    icb = models.CharField("Integrated Care Board", max_length=9, blank=True)
    # Fictional postcodes of the demo place are marked so nobody mistakes them for real ones.
    is_demo = models.BooleanField(default=False)

    objects = PostcodeQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["latitude", "longitude"], name="postcode_latlon")]

    def __str__(self) -> str:
        return self.postcode


class Deprivation(models.Model):
    """The deprivation deciles of an LSOA in one edition of the Indices (1 = most deprived).

    Each edition is kept beside the others (2019 on 2011 LSOAs, 2025 on 2021 LSOAs), so a
    figure can say which it comes from. The domain deciles are blank when the file (File 1)
    carries only the overall index.
    """

    class Edition(models.IntegerChoices):
        IOD2019 = 2019, "English Indices of Deprivation 2019"
        IOD2025 = 2025, "English Indices of Deprivation 2025"

    lsoa = models.CharField(max_length=9)
    edition = models.PositiveSmallIntegerField(choices=Edition.choices, default=Edition.IOD2019)
    lsoa_name = models.CharField(max_length=100, blank=True)
    imd_rank = models.PositiveIntegerField()
    imd_decile = models.PositiveSmallIntegerField()
    income_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    employment_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    education_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    health_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    crime_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    housing_decile = models.PositiveSmallIntegerField(
        "barriers to housing and services decile", null=True, blank=True
    )
    living_environment_decile = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lsoa", "edition"], name="deprivation_once_per_edition")
        ]

    def __str__(self) -> str:
        return f"{self.lsoa}: decile {self.imd_decile} ({self.edition})"


class Population(models.Model):
    """How many people live in one LSOA (ONS mid-year estimate or Census 2021)."""

    lsoa = models.CharField(max_length=9, unique=True)
    residents = models.PositiveIntegerField()
    year = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.lsoa}: {self.residents:,} ({self.year})"


class AreaQuerySet(models.QuerySet):
    def with_descendants(self, ids) -> set[int]:
        """The given area ids and every area below them (areas are a shallow tree)."""
        found = set(ids)
        frontier = set(ids)
        while frontier:
            frontier = (
                set(self.model.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
                - found
            )
            found |= frontier
        return found


class Area(models.Model):
    """A place and its neighbourhoods, each with a lead and a deputy who cover each other."""

    class Kind(models.TextChoices):
        PLACE = "place", "Place"
        NEIGHBOURHOOD = "neighbourhood", "Neighbourhood"

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEIGHBOURHOOD)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="areas_led",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="areas_deputised",
    )
    # Postcode sectors ("KW1 2") that fall in this area: how a person's postcode finds it.
    postcode_sectors = models.JSONField(default=list, blank=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestors(self) -> list[Area]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain
