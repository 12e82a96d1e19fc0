"""Scoring every blocked pair of a set of records at once, with Splink: on DuckDB (one
machine) or on Spark (a cluster; local mode on one machine). The model's trained
parameters and term-frequency tables give the same weights as the online scorer
(``MatchModel.weight``) on either engine (``tests/service/test_score_parity.py``): the
set-based scoring a national re-link is to be built on.

The model's comparisons are written in DuckDB's SQL; for Spark each condition and
blocking rule is translated (sqlglot), and Splink's own similarity functions (its Scala
jar, shipped inside Splink) stand in for DuckDB's ``damerau_levenshtein``. Spark needs
Java (17 here): without it ``EngineUnavailable`` says so.
"""

from __future__ import annotations

import copy
import logging
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from contactpoint.errors import Unavailable
from contactpoint.matching.record import MatchRecord
from contactpoint.matching.train import frame

if TYPE_CHECKING:
    import pyarrow as pa
    from sqlglot import exp

ENGINES = ("duckdb", "spark")
ELSE = "ELSE"


class EngineUnavailable(Unavailable):
    """The engine asked for cannot run on this machine."""


def bulk_scores(
    document: dict[str, Any],
    records: Sequence[MatchRecord],
    *,
    engine: str = "duckdb",
    spark: Any = None,
    blocking: Sequence[str] | None = None,
) -> list[tuple[int, int, float]]:
    """Score every blocked pair of ``records`` set-based with Splink on ``engine``,
    using the model's trained parameters and its term-frequency tables:
    ``(uid, uid, weight)``. ``spark``: a Spark session to use (a cluster's); by default
    one in local mode on this machine. ``blocking``: rules in DuckDB's SQL instead of
    the model's own (``keys.BULK_BLOCKING``: the online matcher's candidates)."""
    scored = scored_pairs(document, records, engine=engine, spark=spark, blocking=blocking)
    columns = (scored[column].tolist() for column in ("uid_l", "uid_r", "match_weight"))
    return list(zip(*columns, strict=True))


def scored_pairs(
    document: dict[str, Any],
    records: Sequence[MatchRecord],
    *,
    engine: str = "duckdb",
    spark: Any = None,
    blocking: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``bulk_scores`` as columns — ``uid_l``, ``uid_r`` and ``match_weight``, each a
    NumPy array — for millions of pairs."""
    import pyarrow as pa
    from splink import Linker

    settings = copy.deepcopy(document["splink"])
    if blocking is not None:
        settings["blocking_rules_to_generate_predictions"] = [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in blocking
        ]
    if engine == "duckdb":
        from splink import DuckDBAPI

        database: Any = DuckDBAPI()

        def table(data: pa.Table) -> Any:
            return data
    elif engine == "spark":
        from splink import SparkAPI

        session = spark or local_spark()
        # Columns of lists (a child's name tokens) reach Spark through Arrow.
        session.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
        database = SparkAPI(spark_session=session)  # type: ignore[no-untyped-call]
        settings = spark_settings(settings)

        def table(data: pa.Table) -> Any:
            return session.createDataFrame(data.to_pandas())
    else:
        raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    # Names of their own: a Spark session (a cluster's) outlives one scoring.
    run = uuid.uuid4().hex[:12]
    records_table = database.register(
        table(frame(records)), dataset_display_name=f"match_records_{run}"
    )
    # Splink would otherwise turn its own chatter on (INFO, to standard error).
    linker = Linker(records_table, settings, log_level=logging.WARNING)
    for column, frequencies in document["term_frequencies"].items():
        lookup = pa.table({column: list(frequencies), f"tf_{column}": list(frequencies.values())})
        registered = database.register(
            table(lookup), dataset_display_name=f"tf_lookup_{column}_{run}"
        )
        linker.table_management.register_term_frequency_lookup(registered, column)
    predictions = linker.inference.predict().as_pandas_dataframe()  # type: ignore[no-untyped-call]
    return {
        "uid_l": predictions["uid_l"].to_numpy(dtype="int64"),
        "uid_r": predictions["uid_r"].to_numpy(dtype="int64"),
        "match_weight": predictions["match_weight"].to_numpy(dtype="float64"),
    }


def spark_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """A model's Splink settings (DuckDB's SQL) in Spark's SQL."""
    translated = copy.deepcopy(settings)
    translated["sql_dialect"] = "spark"
    for comparison in translated["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["sql_condition"] != ELSE:
                level["sql_condition"] = to_spark(level["sql_condition"])
    for rule in translated["blocking_rules_to_generate_predictions"]:
        rule["blocking_rule"] = to_spark(rule["blocking_rule"])
        rule["sql_dialect"] = "spark"
    return translated


def to_spark(sql: str) -> str:
    """One SQL expression from DuckDB's dialect into Spark's. ``list_has_any`` becomes
    ``arrays_overlap`` (sqlglot would write an operator Spark does not have)."""
    import sqlglot
    from sqlglot import exp

    def overlap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.ArrayOverlaps):
            return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
        return node

    return sqlglot.parse_one(sql, read="duckdb").transform(overlap).sql(dialect="spark")


def local_spark(cores: int = 2, memory: str = "2g") -> Any:
    """A Spark session in local mode with Splink's similarity functions, or
    ``EngineUnavailable`` if this machine has no Java."""
    if shutil.which("java") is None:
        raise EngineUnavailable("the Spark engine needs Java (17): no java on this machine")
    from pyspark.sql import SparkSession
    from splink.internals.spark.jar_location import similarity_jar_location

    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("contactpoint")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", memory)
        .config("spark.ui.enabled", "false")
        # Spark's own progress bars would draw over the command's.
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(cores * 2))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="contactpoint-spark-"))
    return session
