"""A checker of the IATI Standard's rules (the ruleset IATI's validator applies beyond the schema)
that an export could break, for the tests: each finding names the rule and the activity.

Rules checked, in the wording of IATI's Standard Ruleset (2.03):
- 1.1.1 the iati-identifier starts with the reporting-org's ref;
- 6.11.1 a planned or actual start date is required;
- 6.2.1 an actual date is not in the future;
- 6.12.1 the end date is not before the start date (planned with planned, actual with actual);
- 3.7.1 a recipient country or region is given, on the activity or on every transaction;
- 3.8.1 recipient-country and recipient-region percentages add up to 100 (when more than one);
- 4.2.1 sector percentages add up to 100 per vocabulary (when more than one), on the activity;
- 4.3.1 sectors are given on the activity or on every transaction, not both;
- 8.1.1 a code of a publisher's own vocabulary (98, 99) comes with a vocabulary-uri;
- 9.2.1 a budget's period ends after it starts and lasts at most a year;
- 11.1.1 a transaction's date is not in the future;
- 12.1.1 an amount has a currency, on its value or as the activity's default-currency.
"""

from datetime import date
from decimal import Decimal


def findings(xml: bytes, today: date | None = None) -> list[str]:
    from lxml import etree

    today = today or date.today()
    root = etree.fromstring(xml)
    found = []
    for activity in root.iter("iati-activity"):
        identifier = (activity.findtext("iati-identifier") or "").strip()

        def rule(number: str, what: str, identifier: str = identifier) -> None:
            found.append(f"{identifier}: {number}: {what}")

        reporting = activity.find("reporting-org")
        ref = reporting.get("ref") if reporting is not None else None
        if not ref or not identifier.startswith(ref):
            rule("1.1.1", f"the identifier does not start with the reporting-org's ref {ref}")
        dates = {d.get("type"): date.fromisoformat(d.get("iso-date")[:10]) for d in activity.iter("activity-date")}
        if not ({"1", "2"} & set(dates)):
            rule("6.11.1", "no planned or actual start date")
        for kind in ("2", "4"):
            if kind in dates and dates[kind] > today:
                rule("6.2.1", f"an actual date ({dates[kind]}) in the future")
        for start, end in (("1", "3"), ("2", "4")):
            if start in dates and end in dates and dates[end] < dates[start]:
                rule("6.12.1", f"an end ({dates[end]}) before the start ({dates[start]})")
        transactions = list(activity.iter("transaction"))
        places = activity.findall("recipient-country") + activity.findall("recipient-region")
        if not places and not (transactions and all(t.find("recipient-country") is not None
                                                    or t.find("recipient-region") is not None for t in transactions)):
            rule("3.7.1", "no recipient country or region")
        if len(places) > 1 and sum(Decimal(p.get("percentage") or "0") for p in places) != 100:
            rule("3.8.1", "the recipient countries' and regions' percentages do not add up to 100")
        sectors = activity.findall("sector")
        by_vocabulary: dict[str, list] = {}
        for sector in sectors:
            by_vocabulary.setdefault(sector.get("vocabulary") or "1", []).append(sector)
        for vocabulary, group in by_vocabulary.items():
            if len(group) > 1 and sum(Decimal(s.get("percentage") or "0") for s in group) != 100:
                rule("4.2.1", f"the percentages of sector vocabulary {vocabulary} do not add up to 100")
        if sectors and any(t.find("sector") is not None for t in transactions):
            rule("4.3.1", "sectors on the activity and on transactions")
        for element in activity.iter("sector", "tag", "recipient-region"):
            if element.get("vocabulary") in ("98", "99") and not element.get("vocabulary-uri"):
                rule("8.1.1", f"a {element.tag} of vocabulary {element.get('vocabulary')} without a vocabulary-uri")
        for budget in activity.iter("budget"):
            start = date.fromisoformat(budget.find("period-start").get("iso-date"))
            end = date.fromisoformat(budget.find("period-end").get("iso-date"))
            if end <= start or (end - start).days > 366:
                rule("9.2.1", f"a budget period {start} to {end}")
        for transaction in transactions:
            day = date.fromisoformat(transaction.find("transaction-date").get("iso-date"))
            if day > today:
                rule("11.1.1", f"a transaction dated {day}, in the future")
        for value in activity.iter("value"):
            if not (value.get("currency") or activity.get("default-currency")):
                rule("12.1.1", "an amount without a currency")
    return found
