"""The improvement register registers itself with the KPI app: its source and its KPIs."""

from kaizen.improvement import kpi_rows
from kaizen.improvement.kpi_source import IMPROVEMENT_KPIS
from kaizen.kpis import library
from kaizen.kpis.sources import DatabaseSource, get_source
from kaizen.kpis.spec import Source


def test_the_register_is_a_database_source_measured_by_its_own_rows():
    source = get_source(Source.IMPROVEMENT)
    assert isinstance(source, DatabaseSource)
    assert source.rows is kpi_rows.improvement_rows
    assert source.rows_in_scope is kpi_rows.rows_in_scope
    assert source.measured_as == "improvement"


def test_the_register_s_kpis_close_the_library():
    keys = [definition.key for definition in library.library()]
    assert keys[-len(IMPROVEMENT_KPIS) :] == [definition.key for definition in IMPROVEMENT_KPIS]
    measured = {d.key for d in IMPROVEMENT_KPIS if d.measurable}
    assert measured == set(kpi_rows.KEYS)
    assert all(d.measure.source == Source.IMPROVEMENT for d in IMPROVEMENT_KPIS if d.measure)
