"""Business calendars: opening hours, holidays and closures that SLA clocks count in.

A work type's calendar wins; else a calendar assigned to the item's team, else one for the
team's site; else none, and the clock runs around the clock (24x7, as before calendars).
The rule that counts open time is ``business_hours.add_open_time``; ``calendars`` turns
these rows into its plain values.
"""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from ccops.models import Team


def _valid_zone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown time zone {value!r}.") from exc


class Calendar(models.Model):
    """Opening hours in a time zone, the public holidays of a country (and subdivision) from
    the ``holidays`` package, and custom closures."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[_valid_zone], help_text="e.g. Europe/London"
    )
    holiday_country = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "An ISO 3166 country code, e.g. GB.")],
        help_text="Public holidays of this country close the calendar (empty: none).",
    )
    holiday_subdivision = models.CharField(
        max_length=10, blank=True, help_text="e.g. ENG for England, NY for New York."
    )
    site = models.CharField(
        max_length=100,
        blank=True,
        help_text="Items of teams at this site use this calendar (unless their work type "
        "or team has one).",
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="calendars")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["site"], condition=~Q(site=""), name="uniq_calendar_site"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.holiday_subdivision and not self.holiday_country:
            raise ValidationError({"holiday_subdivision": "Give the country too."})
        if self.holiday_country:
            import holidays

            try:
                holidays.country_holidays(
                    self.holiday_country, subdiv=self.holiday_subdivision or None
                )
            except NotImplementedError as exc:
                raise ValidationError({"holiday_country": str(exc)}) from exc


class CalendarHours(models.Model):
    """One opening interval of a weekday (several a day allowed), local wall-clock time.
    ``closes`` empty means midnight at the end of the day."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(null=True, blank=True, help_text="Empty: midnight.")

    class Meta:
        ordering = ["calendar", "weekday", "opens"]
        verbose_name_plural = "calendar hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__isnull=True) | Q(closes__gt=F("opens")),
                name="calendar_hours_ordered",
            ),
            models.UniqueConstraint(
                fields=["calendar", "weekday", "opens"], name="uniq_calendar_hours"
            ),
        ]

    def __str__(self) -> str:
        closes = self.closes.strftime("%H:%M") if self.closes else "24:00"
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{closes}"


class CalendarClosure(models.Model):
    """A custom closure: whole local dates (``first_day`` to ``last_day``) or a range of
    instants (``starts_at`` to ``ends_at``)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closures")
    name = models.CharField(max_length=100)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["calendar", "first_day", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        first_day__isnull=False,
                        last_day__isnull=False,
                        starts_at__isnull=True,
                        ends_at__isnull=True,
                        last_day__gte=F("first_day"),
                    )
                    | Q(
                        first_day__isnull=True,
                        last_day__isnull=True,
                        starts_at__isnull=False,
                        ends_at__isnull=False,
                        ends_at__gt=F("starts_at"),
                    )
                ),
                name="calendar_closure_dates_or_range",
            )
        ]

    def __str__(self) -> str:
        if self.first_day:
            return f"{self.name}: {self.first_day} to {self.last_day}"
        return f"{self.name}: {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"

    def clean(self):
        dates = self.first_day is not None or self.last_day is not None
        instants = self.starts_at is not None or self.ends_at is not None
        if dates == instants:
            raise ValidationError("Give either first and last day, or start and end time.")
        if dates and (self.first_day is None or self.last_day is None):
            raise ValidationError({"last_day": "Give both the first and the last day."})
        if dates and self.last_day < self.first_day:
            raise ValidationError({"last_day": "The last day is before the first."})
        if instants and (self.starts_at is None or self.ends_at is None):
            raise ValidationError({"ends_at": "Give both the start and the end time."})
        if instants and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The end is not after the start."})
