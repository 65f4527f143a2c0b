"""Request templates render once per distinct value of what they read, and give exactly what the CDK renders."""

from __future__ import annotations

from airbyte_cdk.sources.declarative.interpolation.interpolated_mapping import InterpolatedMapping
from airbyte_cdk.sources.declarative.interpolation.interpolated_string import InterpolatedString
from airbyte_cdk.sources.declarative.interpolation.jinja import JinjaInterpolation
from airbyte_cdk.sources.types import StreamSlice
from hypothesis import given, settings
from hypothesis import strategies as st

from source_facebook_ads.components.remembered_renders import RememberingInterpolation
from source_facebook_ads.source import SourceFacebookAds
from unit_tests.builders import ConfigBuilder

CONFIG = {"access_token": "a-token-of-sorts", "base_url": "https://graph.facebook.com", "api_version": "v25.0",
          "include_deleted": True, "insights_attribution_windows": ["7d_click"]}
PARAMETERS = {"fields": "id,name", "entity": "campaign", "every_status": ["ACTIVE", "PAUSED"], "edge": "campaigns",
              "level": "ad", "since": "2026-11-01"}
# The manifest's templates of each kind: the URL, the requested fields, a window's range and filter, the token.
TEMPLATES = [
    "{{ config['base_url'] }}/{{ config['api_version'] }}/act_{{ stream_partition.account_id }}/{{ parameters.edge }}",
    "{{ (stream_slice.extra_fields.fields if stream_slice.extra_fields is defined and stream_slice.extra_fields.fields else parameters.fields) | tojson }}",
    """'{{ {"since": stream_interval.start_time, "until": stream_interval.end_time} | tojson }}'""",
    """'{{ ([{"field": parameters.entity ~ ".updated_time", "operator": "GREATER_THAN", "value": format_datetime(stream_interval.start_time, "%s") | int}]
    + ([{"field": parameters.entity ~ ".effective_status", "operator": "IN", "value": parameters.every_status}] if config.get("include_deleted") else [])) | tojson }}'""",
    """{{ "'" ~ (config['insights_attribution_windows'] | tojson) ~ "'" if config.get('insights_attribution_windows') else '' }}""",
    "{{ config['access_token'] }}",
    "{{ format_datetime(stream_interval.start_time, '%s') }}",
    "{{ stream_slice.start_time }}",
    "limit",
]

values = st.one_of(
    st.sampled_from(["2026-11-01", "2026-11-08", "1", "1.0", "True", "[1]", "", "0", "-0.0", "123"]),
    st.integers(-2, 2), st.booleans(), st.sampled_from([1.0, -0.0, 0.0, None]),
)
slices = st.builds(
    lambda account, start, end, fields: StreamSlice(
        partition={"account_id": account}, cursor_slice={"start_time": start, "end_time": end},
        extra_fields={"fields": fields} if fields is not None else {},
    ),
    values, st.sampled_from(["2026-11-01", "2026-11-08", "2026-11-15T00:00:00+0000"]), values,
    st.one_of(st.none(), values),
)


def rendered(interpolation: JinjaInterpolation, template: str, stream_slice: StreamSlice):
    try:
        return "ok", interpolation.eval(template, CONFIG, parameters=PARAMETERS, stream_slice=stream_slice,
                                        next_page_token=None)
    except Exception as error:  # noqa: BLE001 - the same error, or the same value
        return "error", type(error), str(error)


def counting_cdk_renders(monkeypatch) -> list:
    renders = []
    cdk_eval = JinjaInterpolation.eval

    def counted(self, input_str, *args, **kwargs):
        renders.append(input_str)
        return cdk_eval(self, input_str, *args, **kwargs)

    monkeypatch.setattr(JinjaInterpolation, "eval", counted)
    return renders


class TestRememberingInterpolation:
    @settings(max_examples=150, deadline=None)
    @given(calls=st.lists(st.tuples(st.sampled_from(TEMPLATES), slices), min_size=1, max_size=12))
    def test_every_call_gives_what_the_cdk_renders_for_it(self, calls) -> None:
        remembering, cdk = RememberingInterpolation(), JinjaInterpolation()
        for template, stream_slice in calls:
            assert rendered(remembering, template, stream_slice) == rendered(cdk, template, stream_slice)

    def test_a_template_of_the_window_renders_once_for_every_account_of_that_window(self, monkeypatch) -> None:
        renders = counting_cdk_renders(monkeypatch)
        remembering = RememberingInterpolation()
        time_range = TEMPLATES[2]
        texts = {
            rendered(remembering, time_range, StreamSlice(partition={"account_id": str(account)},
                                                          cursor_slice={"start_time": "2026-11-01", "end_time": "2026-11-07"}))
            for account in range(200)
        }
        assert texts == {("ok", '{"since": "2026-11-01", "until": "2026-11-07"}')}
        assert len(renders) == 1

    def test_a_new_value_at_a_path_read_renders_again(self, monkeypatch) -> None:
        renders = counting_cdk_renders(monkeypatch)
        remembering = RememberingInterpolation()
        url = TEMPLATES[0]
        first = rendered(remembering, url, StreamSlice(partition={"account_id": "1"}, cursor_slice={}))
        second = rendered(remembering, url, StreamSlice(partition={"account_id": "2"}, cursor_slice={}))
        again = rendered(remembering, url, StreamSlice(partition={"account_id": "1"}, cursor_slice={}))
        assert (first, second, again) == (
            ("ok", "https://graph.facebook.com/v25.0/act_1/campaigns"),
            ("ok", "https://graph.facebook.com/v25.0/act_2/campaigns"),
            first,
        )
        assert len(renders) == 2

    def test_values_that_compare_equal_but_print_apart_render_apart(self) -> None:
        remembering = RememberingInterpolation()
        template = "{{ stream_slice.start_time }}x"
        texts = [
            rendered(remembering, template, StreamSlice(partition={}, cursor_slice={"start_time": value}))[1]
            for value in (1, True, 1.0, 0.0, -0.0)
        ]
        assert texts == ["1x", "Truex", "1.0x", "0.0x", "-0.0x"]

    def test_a_call_with_another_config_renders_with_that_config(self) -> None:
        remembering = RememberingInterpolation()
        stream_slice = StreamSlice(partition={}, cursor_slice={})
        texts = [remembering.eval("{{ config['page_size'] }}", {"page_size": size}, stream_slice=stream_slice)
                 for size in (500, 100, 500)]
        assert texts == [500, 100, 500]

    def test_a_template_of_the_clock_or_the_answer_renders_at_every_call(self, monkeypatch) -> None:
        renders = counting_cdk_renders(monkeypatch)
        remembering = RememberingInterpolation()
        stream_slice = StreamSlice(partition={}, cursor_slice={})
        for _ in range(3):
            remembering.eval("{{ now_utc() }}", CONFIG, stream_slice=stream_slice)
            remembering.eval("{{ not response.get('paging', {}).get('next') }}", CONFIG, response={"paging": {}})
            remembering.eval("{% set x = stream_slice %}{{ x }}", CONFIG, stream_slice=stream_slice)
            remembering.eval("{{ stream_slice }}", CONFIG, stream_slice=stream_slice)  # a slice object keys nothing
        assert len(renders) == 12


def test_every_requester_renders_its_url_token_and_request_options_with_a_memory() -> None:
    config = ConfigBuilder().with_account_ids("111").build()
    source = SourceFacebookAds(config=config)
    requesters = []
    for stream in source.streams(source.normalized_config):
        requester = stream._stream_partition_generator._partition_factory._retriever.requester
        requesters.append(getattr(requester, "requester", requester))  # the object streams' wrapped requester
    assert requesters
    for requester in requesters:
        options = requester._request_options_provider
        owners = [requester._url, options._parameter_interpolator._interpolator,
                  requester._authenticator.token_provider._token]
        assert all(isinstance(owner, (InterpolatedString, InterpolatedMapping)) for owner in owners)
        assert all(isinstance(owner._interpolation, RememberingInterpolation) for owner in owners)
