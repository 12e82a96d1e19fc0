"""A Splink 5 baseline: the same rows linked as a competent Splink user would link them.

Ordinary settings, the same for every dataset and tuned to none: DuckDB, ``dedupe_only``
over every row of the dataset's files (``febrl4``'s two files too: deduplicating all
rows is what ContactPoint does when it loads both into one index, so the two are
scored on the same pairs). Values are cleaned as anyone would (spaces collapsed, names
and addresses in lower case, postcodes and identifiers in upper case, a date of birth
that is not a real ``YYYY-MM-DD`` date made null, gender ``U`` made null).

Comparisons, each dropped when its column holds no value in the dataset (FEBRL has no
gender, postcode or identifiers): ``NameComparison`` on given names and on family name
(term frequencies on), ``DateOfBirthComparison`` on the date as text,
``PostcodeComparison``, ``LevenshteinAtThresholds`` on the address (1 and 2 edits),
``ExactMatch`` on gender, NHS number and UPN.

Training: the prior from deterministic rules (both names with the date of birth — or
the postcode or address when there is no date — and each identifier) with recall 0.7;
u by random sampling (a million pairs); m by EM in two sessions, blocked on both names,
then on the date of birth (or postcode, or address). Prediction blocks on both names;
the date of birth; family name and birth year; postcode; each identifier. Pairs are
clustered (connected components) at a match probability of 0.95.

Splink is imported here and in ``matching/train.py`` only (a fitness test holds that).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from contactpoint.errors import Conflict

CLUSTER_THRESHOLD = 0.95
PREDICT_THRESHOLD = 0.5
DETERMINISTIC_RECALL = 0.7
U_MAX_PAIRS = 1e6
COLUMNS = (
    "given_names",
    "family_name",
    "date_of_birth",
    "gender",
    "postcode",
    "address",
    "nhs_number",
    "upn",
)


class BaselineFailed(Conflict):
    """Splink could not train a model on the rows (too few, or no pairs to learn from)."""


@dataclass(frozen=True, slots=True)
class BaselineRun:
    """Splink's clusters (``record_id`` → cluster), the columns it compared, the number
    of pairs it scored above ``PREDICT_THRESHOLD``, and the seconds it took (cleaning,
    training, prediction and clustering; importing Splink not counted)."""

    clusters: dict[str, str]
    compared: tuple[str, ...]
    pairs_scored: int
    seconds: float


def _spaced(value: str) -> str | None:
    text = re.sub(r"\s+", " ", value).strip()
    return text or None


def clean_date(value: str) -> str | None:
    """A real date written ``YYYY-MM-DD``, or ``None``."""
    text = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return text


def clean(row: Mapping[str, str]) -> dict[str, str | None]:
    """One ``local``-format row as Splink's record, cleaned (see the module docstring)."""
    lower = {k: (v.lower() if (v := _spaced(row.get(k, ""))) else None) for k in COLUMNS}
    upper = {k: (v.upper() if (v := _spaced(row.get(k, ""))) else None) for k in COLUMNS}
    gender = upper["gender"]
    return {
        "unique_id": row["record_id"].strip(),
        "given_names": lower["given_names"],
        "family_name": lower["family_name"],
        "date_of_birth": clean_date(row.get("date_of_birth", "")),
        "gender": gender if gender in ("M", "F") else None,
        "postcode": upper["postcode"],
        "address": lower["address"],
        "nhs_number": upper["nhs_number"].replace(" ", "") if upper["nhs_number"] else None,
        "upn": upper["upn"],
    }


def present_columns(records: Sequence[Mapping[str, str | None]]) -> tuple[str, ...]:
    """The columns holding at least one value."""
    return tuple(c for c in COLUMNS if any(r[c] is not None for r in records))


def _comparisons(present: Sequence[str]) -> list[Any]:
    import splink.comparison_library as cl

    made: dict[str, Callable[[], Any]] = {
        "given_names": lambda: cl.NameComparison("given_names").configure(
            term_frequency_adjustments=True
        ),
        "family_name": lambda: cl.NameComparison("family_name").configure(
            term_frequency_adjustments=True
        ),
        "date_of_birth": lambda: cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
        "gender": lambda: cl.ExactMatch("gender"),
        "postcode": lambda: cl.PostcodeComparison("postcode"),
        "address": lambda: cl.LevenshteinAtThresholds("address", [1, 2]),
        "nhs_number": lambda: cl.ExactMatch("nhs_number"),
        "upn": lambda: cl.ExactMatch("upn"),
    }
    return [made[column]() for column in present]


def _first(present: Sequence[str], *columns: str) -> str | None:
    return next((c for c in columns if c in present), None)


def _prediction_rules(present: Sequence[str]) -> list[Any]:
    from splink import block_on

    rules = [block_on("given_names", "family_name")]
    if "date_of_birth" in present:
        rules += [
            block_on("date_of_birth"),
            block_on("family_name", "substr(date_of_birth, 1, 4)"),
        ]
    rules += [block_on(c) for c in ("postcode", "nhs_number", "upn") if c in present]
    return rules


def cluster(rows: Sequence[Mapping[str, str]], *, seed: int = 1) -> BaselineRun:
    """Link ``rows`` (``local``-format cells) with Splink and cluster them at 0.95."""
    import pyarrow as pa
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    records = [clean(row) for row in rows]
    present = present_columns(records)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=_comparisons(present),
        blocking_rules_to_generate_predictions=_prediction_rules(present),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    database = DuckDBAPI()
    schema = pa.schema([("unique_id", pa.string())] + [(c, pa.string()) for c in COLUMNS])
    table = database.register(
        pa.Table.from_pylist(records, schema=schema), dataset_display_name="rows"
    )
    # Splink logs every step at INFO unless told otherwise.
    linker = Linker(table, settings, log_level=logging.WARNING)
    third = _first(present, "date_of_birth", "postcode", "address")
    exact: list[Any] = [block_on("given_names", "family_name", third)] if third else []
    exact += [block_on(c) for c in ("nhs_number", "upn") if c in present]
    try:
        if exact:
            linker.training.estimate_probability_two_random_records_match(
                exact, recall=DETERMINISTIC_RECALL
            )
        linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=seed)
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("given_names", "family_name"), record_sample_proportion=1.0
        )
        if third:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(third), record_sample_proportion=1.0
            )
    except Exception as error:  # Splink raises plain exceptions for data it cannot train on
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise BaselineFailed(f"Splink could not train on these rows: {first}") from error
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_THRESHOLD)
    pairs_scored = len(predictions.as_record_list())
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=CLUSTER_THRESHOLD
    )
    clusters = {str(r["unique_id"]): str(r["cluster_id"]) for r in clustered.as_record_list()}
    return BaselineRun(clusters, present, pairs_scored, time.perf_counter() - started)
