"""Vocabulary of staffing: shift activities, plan states, forecast granularity and methods."""

from django.db import models

from workitems.choices import PresenceState


class Activity(models.TextChoices):
    FRONT_OFFICE = "front_office", "Front office"
    BACK_OFFICE = "back_office", "Back office"
    TRAINING = "training", "Training"
    SHADOWING = "shadowing", "Shadowing"
    BREAK = "break", "Break"
    OFF = "off", "Off"


# Activities that staff a queue or a backlog (productive minutes).
PRODUCTIVE_ACTIVITIES = (Activity.FRONT_OFFICE, Activity.BACK_OFFICE)

# Adherence: the presence states that count as "doing what the shift says". ``off`` is not
# scheduled time, so it has no matching state and no scheduled minutes.
ADHERENT_STATES: dict[str, tuple[str, ...]] = {
    Activity.FRONT_OFFICE: (
        PresenceState.ON_CONTACT,
        PresenceState.AVAILABLE,
        PresenceState.AFTER_CONTACT,
    ),
    Activity.BACK_OFFICE: (PresenceState.CASEWORK, PresenceState.AVAILABLE),
    Activity.TRAINING: (PresenceState.TRAINING,),
    Activity.SHADOWING: (PresenceState.TRAINING,),
    Activity.BREAK: (PresenceState.BREAK,),
}

# Conformance: minutes worked / minutes scheduled; every logged-in state but offline is worked
# (a break is scheduled time too, so it counts on both sides).
NOT_WORKED_STATES = (PresenceState.OFFLINE,)

# Short labels for the schedule grid.
ACTIVITY_CODES = {
    Activity.FRONT_OFFICE: "FO",
    Activity.BACK_OFFICE: "BO",
    Activity.TRAINING: "TR",
    Activity.SHADOWING: "SH",
    Activity.BREAK: "BRK",
    Activity.OFF: "OFF",
}


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Granularity(models.TextChoices):
    INTERVAL = "30min", "30 minutes"
    DAY = "day", "Day"


class ForecastMethod(models.TextChoices):
    SEASONAL_NAIVE = "seasonal_naive", "Seasonal naive"
    HW_ADD_DAMPED = "hw_add_damped", "Holt-Winters additive, damped trend"
    HW_MUL_DAMPED = "hw_mul_damped", "Holt-Winters multiplicative, damped trend"
    MSTL_ETS = "mstl_ets", "MSTL (daily + weekly) with damped-trend ETS"
    HOLT_WINTERS = "holt_winters", "Holt-Winters"
    SEASONAL_AVERAGE = "seasonal_average", "Seasonal average"
    MEAN = "mean", "Mean"
