"""Training the model with Splink on DuckDB: u by random sampling, m by EM, the prior
from identifiers that only the same child shares. The edge of the matching package: it
and ``engines`` (set-based scoring) are the only modules that import Splink.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from contactpoint.errors import Conflict
from contactpoint.matching.comparisons import COMPARISONS
from contactpoint.matching.model import MODEL_FORMAT
from contactpoint.matching.record import LIST_COLUMNS, MATCH_COLUMNS, MatchRecord

if TYPE_CHECKING:
    import pyarrow as pa

# Fewer records than this cannot show EM enough true matches to learn from.
MINIMUM_TRAINING_RECORDS = 1000
M_FLOOR = 1e-4
TF_COLUMNS = tuple(
    level.tf_column for comparison in COMPARISONS for level in comparison.levels if level.tf_column
)
# Candidate pairs for bulk prediction; the same keys children/ keeps in its index.
PREDICTION_BLOCKING = (
    ("nhs_number",),
    ("upn",),
    ("dob", "family_phonetic"),
    ("dob", "given_phonetic"),
    ("postcode", "birth_year"),
    ("family_phonetic", "given_phonetic", "birth_year"),
)


# The prior: pairs sharing an identifier only one child holds (about a third of true
# pairs share one where sources carry them); without identifiers, pairs with the very
# same names and date of birth (about half of true pairs in messy data share all three).
PRIOR_RULES: tuple[tuple[tuple[tuple[str, ...], ...], float], ...] = (
    ((("nhs_number",), ("upn",)), 0.35),
    ((("given_first", "family", "dob"),), 0.5),
)
U_SAMPLE_PAIRS = 5e6
# Twins share a date of birth, family and address: EM blocked on any of those learns
# that a different given name is common among matches. Pairs sharing an NHS number, and
# pairs sharing both names and a birth year, hold few twins.
EM_SESSIONS: tuple[tuple[str, ...], ...] = (
    ("nhs_number",),
    ("given_first", "family", "birth_year"),
    ("given_first", "postcode"),
)
# Only when no identifier is shared, to learn the names from: twins bias it a little.
WITHOUT_IDENTIFIERS = ("family", "dob", "postcode")
MINIMUM_EM_PAIRS = 50
# The columns each comparison reads: an EM session blocked on one cannot estimate it.
COMPARED_COLUMNS = {
    "given_name": ("given_first", "given_tokens", "given_variants", "given_phonetic"),
    "family_name": ("family", "family_tokens", "family_phonetic"),
    "date_of_birth": ("dob", "dob_swapped", "dob_days", "birth_year"),
    "gender": ("gender",),
    "postcode": ("postcode", "postcode_sector", "postcode_district"),
    "address": ("address",),
    "locality": ("locality", "postcode"),
    "nhs_number": ("nhs_number",),
    "upn": ("upn",),
}


class TrainingFailed(Conflict):
    """The model could not be trained; the reason says why."""


_LISTS = LIST_COLUMNS
_INTEGERS = ("uid", "dob_days", "birth_year")
# Columns no comparison reads: left out of what Splink sees.
_NOT_COMPARED = ("benefit_line", "registered_birth")


@cache
def schema() -> pa.Schema:
    """The columns Splink reads, typed (pyarrow is imported only when matching in bulk)."""
    import pyarrow as pa

    return pa.schema(
        [
            (
                name,
                pa.list_(pa.string())
                if name in _LISTS
                else pa.int64()
                if name in _INTEGERS
                else pa.string(),
            )
            for name in MATCH_COLUMNS
            if name not in _NOT_COMPARED
        ]
    )


def frame(records: Sequence[MatchRecord]) -> pa.Table:
    """Match records as the table Splink reads."""
    import pyarrow as pa

    return pa.Table.from_pylist(
        [{k: v for k, v in r.as_dict().items() if k not in _NOT_COMPARED} for r in records],
        schema=schema(),
    )


def splink_settings() -> Any:
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="uid",
        comparisons=[comparison.splink() for comparison in COMPARISONS],
        blocking_rules_to_generate_predictions=[
            block_on(*columns) for columns in PREDICTION_BLOCKING
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def linker_for(records: Sequence[MatchRecord], settings: Any) -> Any:
    from splink import DuckDBAPI, Linker

    database = DuckDBAPI()
    table = database.register(frame(records), dataset_display_name="match_records")
    # Splink would otherwise turn its own chatter on (INFO, to standard error).
    return Linker(table, settings, log_level=logging.WARNING)


def train(
    records: Sequence[MatchRecord],
    *,
    version: str,
    seed: int = 1,
    previous: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A model document trained on ``records`` (one per source record in the index).

    Training adapts to the fields the records hold: the prior and the EM sessions are
    chosen from the pairs there are, and a level nothing here can estimate (no record
    has an NHS number, say) keeps ``previous``'s (the active model's) m and u."""

    if len(records) < MINIMUM_TRAINING_RECORDS:
        raise TrainingFailed(
            f"{len(records)} records are too few to train on: at least"
            f" {MINIMUM_TRAINING_RECORDS} are needed"
        )
    logging.getLogger("splink").setLevel(logging.WARNING)
    prior_rules, recall = _prior_rules(records)
    sessions = _em_sessions(records)
    learnt, skipped = list(sessions), []
    while True:
        try:
            linker = _trained_linker(records, prior_rules, recall, seed, learnt)
            break
        except _SessionFailed as failed:
            # A session whose EM fails (a level no match in its block reaches drives m
            # to zero, which Splink refuses) is left out and training starts again
            # without it (a failed session leaves Splink's model part-changed): its
            # levels are left to the other sessions, or carried over from the active model.
            learnt.remove(failed.columns)
            skipped.append(f"{' + '.join(failed.columns)} ({str(failed.error).split('. ')[0]})")
            if not learnt:
                raise TrainingFailed(
                    f"Splink could not train the model: {'; '.join(skipped)}"
                ) from failed.error
    settings = linker.misc.save_model_to_json(out_path=None)
    settings = fill_rare_u_probabilities(settings, records)
    carried = carry_over(settings, previous["splink"] if previous else None)
    settings = floor_m_probabilities(settings)
    return {
        "format": MODEL_FORMAT,
        "version": version,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_records": len(records),
        "prior_from": [" + ".join(rule) for rule in prior_rules],
        "em_sessions": [" + ".join(s) for s in learnt],
        "em_skipped": skipped,
        "carried_over": carried,
        "splink": settings,
        "term_frequencies": term_frequencies(linker),
    }


class _SessionFailed(Exception):
    def __init__(self, columns: tuple[str, ...], error: Exception) -> None:
        super().__init__(str(error))
        self.columns, self.error = columns, error


def _trained_linker(
    records: Sequence[MatchRecord],
    prior_rules: Sequence[tuple[str, ...]],
    recall: float,
    seed: int,
    sessions: Sequence[tuple[str, ...]],
) -> Any:
    """A Splink linker with the prior, u by sampling and m by EM in each session."""
    from splink import block_on

    linker = linker_for(records, splink_settings())
    try:
        linker.training.estimate_probability_two_random_records_match(
            [block_on(*rule) for rule in prior_rules], recall=recall
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
    except Exception as error:  # Splink raises plain exceptions for untrainable data.
        raise TrainingFailed(f"Splink could not train the model: {error}") from error
    for columns in sessions:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), record_sample_proportion=1.0
            )
        except Exception as error:  # Splink raises plain exceptions.
            raise _SessionFailed(columns, error) from error
    return linker


def shared_pairs(records: Sequence[MatchRecord], columns: Sequence[str]) -> int:
    """How many pairs of records agree on every one of ``columns`` (none missing)."""
    groups = Counter(
        key for r in records if None not in (key := tuple(getattr(r, column) for column in columns))
    )
    return sum(n * (n - 1) // 2 for n in groups.values())


def _prior_rules(records: Sequence[MatchRecord]) -> tuple[list[tuple[str, ...]], float]:
    """The rules for the prior and their assumed recall: the first set whose rules find
    pairs in these records."""
    for rules, recall in PRIOR_RULES:
        found = [rule for rule in rules if shared_pairs(records, rule) > 0]
        if found:
            return found, recall
    raise TrainingFailed(
        "no two records share an NHS number, a UPN, or both names and a date of birth:"
        " there is nothing to estimate how often two records are one child from"
    )


def _em_sessions(records: Sequence[MatchRecord]) -> list[tuple[str, ...]]:
    """The EM sessions these records can feed (each needs pairs to learn from). When no
    identifier is shared the names are learnt from pairs sharing family, birthday and
    postcode, as no other session can estimate the given name."""
    sessions = [s for s in EM_SESSIONS if shared_pairs(records, s) >= MINIMUM_EM_PAIRS]
    names_learnt = any(not _blocks(s, "given_name") for s in sessions)
    if not names_learnt and shared_pairs(records, WITHOUT_IDENTIFIERS) >= MINIMUM_EM_PAIRS:
        sessions.append(WITHOUT_IDENTIFIERS)
    if not sessions:
        raise TrainingFailed(
            f"too few pairs of records to learn from: the index needs at least"
            f" {MINIMUM_EM_PAIRS} pairs sharing "
            + " or ".join("+".join(s) for s in (*EM_SESSIONS, WITHOUT_IDENTIFIERS))
        )
    return sessions


def carry_over(settings: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    """Give every level this training could not estimate (a field no record holds, a
    level no pair reached) the previous model's m and u; return which levels those were.
    Without a previous model, such a level fails the training."""
    before = {
        (c["output_column_name"], level.get("label_for_charts")): level
        for c in (previous or {}).get("comparisons", [])
        for level in c["comparison_levels"]
    }
    carried = []
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            name = (comparison["output_column_name"], level.get("label_for_charts"))
            for probability in ("m_probability", "u_probability"):
                if level.get(probability) is not None:
                    continue
                old = before.get(name, {}).get(probability)
                if old is None:
                    raise TrainingFailed(
                        f"comparison {name[0]}, level '{name[1]}': no pair of records in the"
                        f" index reached it, so its {probability[0]} cannot be estimated"
                    )
                level[probability] = old
                carried.append(f"{name[0]}: {name[1]} ({probability[0]})")
    return carried


def _blocks(session: Sequence[str], comparison: str) -> bool:
    """Whether an EM session blocked on ``session`` leaves ``comparison`` unestimated."""
    return bool(set(session) & set(COMPARED_COLUMNS[comparison]))


def fill_rare_u_probabilities(
    settings: dict[str, Any], records: Sequence[MatchRecord]
) -> dict[str, Any]:
    """Give an exact-match level that random sampling never met its exact u.

    Two random records share an identifier almost never, so sampling finds no example
    and leaves u unset. For an exact match on a column, u is the chance two random
    records with values share one: the sum over values of their share squared.
    """
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level") or level.get("u_probability") is not None:
                continue
            column = _exact_column(level["sql_condition"])
            if column is None:
                continue  # not an exact level: the previous model's u stands, if any
            values = Counter(v for r in records if (v := getattr(r, column)) is not None)
            total = sum(values.values())
            if total:  # no record holds the field: the previous model's u stands
                level["u_probability"] = sum((n / total) ** 2 for n in values.values())
    return settings


def _exact_column(sql: str) -> str | None:
    match = re.fullmatch(r'"(\w+)_l" = "(\w+)_r"', sql)
    return match.group(1) if match and match.group(1) == match.group(2) else None


def floor_m_probabilities(settings: dict[str, Any]) -> dict[str, Any]:
    """Raise any m probability EM drove to (almost) zero up to ``M_FLOOR``.

    A level never seen among matches in the training data gets m = 0, which would let
    that one field veto any match (a single mis-recorded gender, say). Written into the
    settings themselves, so Splink and the online scorer use the same values.
    """
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            m = level.get("m_probability")
            if m is not None and m < M_FLOOR:
                level["m_probability"] = M_FLOOR
    return settings


def term_frequencies(linker: Any) -> dict[str, dict[str, float]]:
    """The term-frequency table of each adjusted column, as Splink computed it."""
    tables: dict[str, dict[str, float]] = {}
    for column in TF_COLUMNS:
        table = linker.table_management.compute_tf_table(column).as_record_list()
        tables[column] = {
            str(row[column]): float(row[f"tf_{column}"]) for row in table if row[column] is not None
        }
    return tables
