"""Holiday sources: the `holidays` package's calendar of a country (in its own language), which
years it has official data for, and plain words for a country or subdivision it does not know."""

from __future__ import annotations

from functools import cache

from ..diagnostics.record import choices, did_you_mean, shorten
from ..i18n import N_, Message
from .instants import MAX_YEAR
from .spec import CalendarError


def holiday_source(country: str, subdivision: str | None = None) -> object:
    """The `holidays` package's calendar for a country, or CalendarError.

    Holiday names are in the country's own language (春节 for CN), chosen explicitly:
    left to the package, the language would follow the environment's locale.
    """
    import holidays

    try:
        return holidays.country_holidays(country, subdiv=subdivision, language=_language(country, subdivision))
    except NotImplementedError:
        raise CalendarError(_unknown_holidays(country, subdivision)) from None


@cache
def _language(country: str, subdivision: str | None) -> str | None:
    """The country's own language: a fact of its holiday class, asked once (a source costs a millisecond)."""
    import holidays

    language: str | None = holidays.country_holidays(country, subdiv=subdivision).default_language
    return language


def _unknown_holidays(country: str, subdivision: str | None) -> Message:
    """Which of the two is unknown, and what to write instead."""
    import holidays

    supported: dict[str, list[str]] = holidays.list_supported_countries()
    if country not in supported:
        return Message(N_("unknown holiday country '{country}'{near}; write an ISO 3166 code such as CN (China), HK, TW, SG or "
                          "US"), country=shorten(country), near=did_you_mean(country, list(supported)))
    known = supported[country]
    if not known:
        return Message(N_("the holiday data of {country} have no subdivisions; remove subdivision: {subdivision}"),
                       country=country, subdivision=shorten(str(subdivision)))
    hint = choices(str(subdivision), tuple(known)) or Message(N_("; use a code the holidays package lists for {country}, "
                                                                 "e.g. {example}"), country=country, example=known[0])
    return Message(N_("unknown subdivision '{subdivision}' of {country}{hint}"), subdivision=shorten(str(subdivision)),
                   country=country, hint=hint)


@cache
def published_until(country: str, subdivision: str | None = None) -> int:
    """Last year the country's holiday source has official data for (CalendarError: an unknown one).

    Countries that announce make-up working days year by year (China's State Council)
    are only known up to the last announced year; others are computed by rule. A fact of the
    country's data, asked once per process by the checks and every calendar.
    """
    source = holiday_source(country, subdivision)
    special = getattr(source, "special_public_holidays", None)
    if isinstance(special, dict) and any(
        len(entry) >= 4 for entries in special.values() for entry in (entries if isinstance(entries[0], tuple) else (entries,))
    ):  # (month, day, from_month, from_day): a day off swapped with a working weekend day
        return int(max(special))
    return int(getattr(source, "end_year", MAX_YEAR))
