"""One record as a brief's templates read it (an entry: every code spelled out, every date in
words, each item one line), and the numbered list of the sources the brief cites."""

from mieux_cli.briefs.markup import markdown_source
from mieux_cli.briefs.phrases import (
    alternative_text,
    countries_text,
    country_list,
    experts_phrase,
    in_sentence,
    names_country,
    partner_list,
    partners_phrase,
    period,
    place_words,
    planned_and_past,
    then,
)
from mieux_cli.model import schema, vocab
from mieux_cli.model.catalogue import Catalogue
from mieux_cli.model.display import date_words, item_text, source_text
from mieux_cli.model.facets import record_themes, status_label
from mieux_cli.text import join_words


class Sources:
    """Numbers each distinct source in the order the brief first cites it. A source with a link is
    one source however records title it; one without is told apart by all it says of itself."""

    def __init__(self):
        self.numbers: dict = {}
        self.first: dict = {}  # key -> the source as first cited, which the listing gives

    def cite(self, record: dict) -> list[int]:
        cited = []
        for source in record["sources"]:
            key = source.get("url") or tuple(source.get(p.name) for p in schema.SOURCE_PARTS)
            if key not in self.numbers:
                self.numbers[key] = len(self.numbers) + 1
                self.first[key] = source
            cited.append(self.numbers[key])
        return sorted(set(cited))

    def listing(self) -> list[dict]:
        """[{number, text, url, markdown}] in order of number."""
        listing = []
        for key, n in sorted(self.numbers.items(), key=lambda kv: kv[1]):
            source = self.first[key]
            text = source_text(source, local_copy=False)
            listing.append({"number": n, "text": text if source.get("url") else then(text), "url": source.get("url"),
                            "markdown": markdown_source(source)})
        return listing

    def newest(self) -> str | None:
        """The date of the newest source cited, as written ('2018', '2018-07'), or None."""
        dates = [s["date"] for s in self.first.values() if s.get("date")]
        return max(dates, key=lambda d: (d[:4], d)) if dates else None


def dating(sources: Sources, compiled: str) -> dict:
    """When the brief's facts are from and when it was put together: a reader must not take
    2018 facts as current because the brief was printed today."""
    newest = sources.newest()
    words = date_words(compiled)
    line = (f"Sources dated up to {date_words(newest)}; compiled {words}." if newest
            else f"The sources give no dates; compiled {words}.")
    return {"as_of": compiled, "compiled": words, "sources_up_to": date_words(newest) if newest else "",
            "dating": line, "sources": sources.listing()}


def entry(record: dict, catalogue: Catalogue, sources: Sources, compiled: str) -> dict:
    """What a template needs of one record, every code spelled out (`compiled`: the date the
    brief was compiled, which says whether a plan's date has passed)."""
    practices = sorted(catalogue.practices_linked_to(record["id"]), key=lambda r: r["id"])
    partners = record.get("partners", [])
    status = "" if record.get("status") == "unknown" else status_label(record)
    unlisted = record.get("unlisted_actions", [])
    made = {
        "id": record["id"],
        "kind": record["kind"],
        "title": record["title"],
        "summary": record.get("summary") or "",
        "countries": country_list(record["countries"]),
        "participants": country_list(record.get("participants", [])),
        "region": vocab.region_name(record["region"]) if record["region"] else "",
        "themes": [vocab.THEMES.label(code) for code in record_themes(record)],
        "areas": [vocab.AREAS.label(code) for code in vocab.AREAS if code in record["areas"]],
        "gcm": [f"{n} {vocab.GCM.label(n)}" for n in record["gcm"]],
        "period": period(record, compiled),
        "status": status,
        "past_plans": planned_and_past(record, compiled),
        "sources": sources.cite(record),
        "practices": [{"id": p["id"], "title": p["title"]} for p in practices],
        "partners_phrase": partners_phrase(partners),
        "partner_list": partner_list(partners),
        "experts_phrase": experts_phrase(record.get("experts", [])),
        "presented_as": vocab.PRACTICE_BASES.label(record["presented_as"]) if record.get("presented_as") else "",
        "where": place_words(record) if record["kind"] == "event" else "",
        "unlisted_actions": unlisted,
        "unlisted_phrase": _unlisted(unlisted),
        "alternatives": [alternative_text(a) for a in record.get("alternatives", [])],
    }
    for field in ("outputs", "results", "why", "place", "text", "notes"):
        made[field] = record.get(field) or ([] if field in ("outputs", "results") else "")
    for f in schema.all_fields():  # every other item (a partner, an expert, a figure) as one line of text
        if f.type == "items" and f.name not in ("sources", "alternatives"):
            made[f.name] = [item_text(f, item) for item in record.get(f.name, [])]
    # "Round-table in Bangkok (evt-...), Bangkok" says the place twice: then only its country, if the title lacks it
    place = record.get("place") or ""
    made["place_in_title"] = bool(place) and place.split(",")[0].strip().lower() in record["title"].lower()
    country = record.get("place_country")
    made["where_shown"] = ((vocab.country_name(country) if country and not names_country(record["title"], country)
                            else "") if made["place_in_title"] else made["where"])
    made["described"] = _described(record, made["where"])
    made["tense"] = ("future" if record.get("status") == "planned" and not made["past_plans"] else "past plan"
                     if record.get("status") in ("planned", "cancelled") else "done")
    made["actions"] = [{"id": i, "title": catalogue.by_id[i]["title"]} for i in record.get("actions", []) if i in catalogue.by_id]
    made["came_from"] = _came_from(made["actions"], unlisted) if record["kind"] == "practice" else ""
    event = catalogue.by_id.get(record.get("event") or "")
    made["event"] = {"id": event["id"], "title": event["title"], "period": period(event, compiled)} if event else None
    return made


_A_KIND = {"action": "an action", "practice": "a good practice", "event": "an event", "fact": "a fact"}


def _described(record: dict, where: str) -> str:
    """'an event in Mexico City (Mexico)', 'an action in Mexico', 'a good practice in Latin America
    and the Caribbean': what a record is and where its work was (an event: where it took place)."""
    if not where:
        where = countries_text(record["countries"]) or (in_sentence(vocab.region_name(record["region"]))
                                                         if record["region"] else "")
    return _A_KIND[record["kind"]] + (f" in {where}" if where else "")


def _unlisted(unlisted: list[str]) -> str:
    """'an Action not in the catalogue (Costa Rica II)', or '' for none."""
    if not unlisted:
        return ""
    return ("Actions" if len(unlisted) > 1 else "an Action") + f" not in the catalogue ({join_words(unlisted)})"


def _came_from(actions: list[dict], unlisted: list[str]) -> str:
    """Where a practice came from, as IDs and names: 'act-do-...', 'an Action not in the catalogue
    (Costa Rica II)'; a practice that names none came from 'an Action not in the catalogue'."""
    parts = [a["id"] for a in actions] + ([_unlisted(unlisted)] if unlisted else [])
    return join_words(parts) or "an Action not in the catalogue"
