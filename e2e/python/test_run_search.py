"""Run search through the official client: `api.runs(path, filters=…,
order=…, per_page=…)`.

Six runs with varied fields are made cheaply with raw `upsertBucket` calls
(one module fixture), then searched with every filter operator over every
searchable field, ordered, and paged. Expected results are spelled out as
run names so a failure shows exactly which runs were wrong.

The runs (config / summary / other fields):

| run | lr    | model         | opt   | batch | amp   | loss | acc | val.loss | tags             | group | job   | state    | display   | host  |
|-----|-------|---------------|-------|-------|-------|------|-----|----------|------------------|-------|-------|----------|-----------|-------|
| r0  | 0.001 | resnet/18     | adam  | 64    | true  | 0.9  | 0.5 | 0.95     | baseline         | g1    | train | finished | alpha-one | hostA |
| r1  | 0.01  | resnet/34     | sgd   | 128   | false | 0.5  | 0.6 | 0.55     | baseline, best   | g1    | train | finished | alpha-two | hostA |
| r2  | 0.05  | vit/12        | adam  | 32    | true  | 0.3  | 0.7 | 0.35     | exp              | g2    | eval  | crashed  | beta-one  | hostB |
| r3  | 0.1   | vit/24        | sgd   | "64"  |       | 0.1  | 0.8 |          |                  | g2    | train | running  | beta-two  | hostB |
| r4  | 0.5   |               | lbfgs |       |       |      | 0.9 |          | baseline         |       | eval  | failed   | gamma     | hostC |
| r5  |       | mlp/2         | adam  |       |       | 0.7  | 0.4 |          | exp, baseline    | g3    | train | finished | delta     | hostC |

r3 belongs to sweep `sw1`; r5 is created by another user, more than a
second after the others (for `createdAt`); r0 gets a heartbeat last (so it
has the longest `duration` and the latest `heartbeat_at`).
"""

from __future__ import annotations

import base64
import re
import time
import uuid

import pytest

ALL = ["r0", "r1", "r2", "r3", "r4", "r5"]

RUNS = {
    "r0": dict(
        config={"lr": 0.001, "model": {"name": "resnet", "layers": 18}, "opt": "adam", "batch": 64, "use_amp": True},
        summary={"loss": 0.9, "acc": 0.5, "val": {"loss": 0.95}},
        tags=["baseline"], group="g1", job="train", state="finished", display="alpha-one", host="hostA",
    ),
    "r1": dict(
        config={"lr": 0.01, "model": {"name": "resnet", "layers": 34}, "opt": "sgd", "batch": 128, "use_amp": False},
        summary={"loss": 0.5, "acc": 0.6, "val": {"loss": 0.55}},
        tags=["baseline", "best"], group="g1", job="train", state="finished", display="alpha-two", host="hostA",
    ),
    "r2": dict(
        config={"lr": 0.05, "model": {"name": "vit", "layers": 12}, "opt": "adam", "batch": 32, "use_amp": True},
        summary={"loss": 0.3, "acc": 0.7, "val": {"loss": 0.35}},
        tags=["exp"], group="g2", job="eval", state="crashed", display="beta-one", host="hostB",
    ),
    "r3": dict(
        config={"lr": 0.1, "model": {"name": "vit", "layers": 24}, "opt": "sgd", "batch": "64"},
        summary={"loss": 0.1, "acc": 0.8},
        tags=[], group="g2", job="train", state="running", display="beta-two", host="hostB", sweep="sw1",
    ),
    "r4": dict(
        config={"lr": 0.5, "opt": "lbfgs"},
        summary={"acc": 0.9},
        tags=["baseline"], group=None, job="eval", state="failed", display="gamma", host="hostC",
    ),
    "r5": dict(
        config={"model": {"name": "mlp", "layers": 2}, "opt": "adam"},
        summary={"loss": 0.7, "acc": 0.4},
        tags=["exp", "baseline"], group="g3", job="train", state="finished", display="delta", host="hostC",
    ),
}


def _create(server, entity, project, name, key=None):
    spec = RUNS[name]
    fields = {
        "config": {k: {"value": v} for k, v in spec["config"].items()},
        "summaryMetrics": spec["summary"],
        "tags": spec["tags"],
        "jobType": spec["job"],
        "state": spec["state"],
        "displayName": spec["display"],
        "host": spec["host"],
    }
    if spec["group"]:
        fields["groupName"] = spec["group"]
    if spec.get("sweep"):
        fields["sweep"] = spec["sweep"]
    kwargs = {"key": key} if key else {}
    return server.upsert_run(entity, project, name, **fields, **kwargs)


@pytest.fixture(scope="module")
def corpus(server):
    """The six runs above in a team project; returns a dict with `path`,
    `other` (r5's creator) and `r5_created` (its createdAt string)."""
    admin_api = server.api()
    team = "s" + uuid.uuid4().hex[:8]
    project = "search"
    admin_api.create_team(team)
    other, other_email, other_key = server.new_user()
    assert admin_api.team(team).invite(other_email)
    for name in ["r0", "r1", "r2", "r3", "r4"]:
        _create(server, team, project, name)
        time.sleep(0.01)  # distinct created_at / heartbeat_at milliseconds
    time.sleep(1.1)
    r5 = _create(server, team, project, "r5", key=other_key)
    time.sleep(0.01)
    # A heartbeat: r0 is now the run heard from last, and the longest.
    assert server.file_stream(team, project, "r0", {}).status_code == 200
    return {"path": f"{team}/{project}", "team": team, "project": project, "other": other, "r5_created": r5["createdAt"]}


def names(server, corpus, filters=None, order=None, per_page=50):
    kwargs = {"filters": filters, "per_page": per_page}
    if order:
        kwargs["order"] = order
    runs = server.api().runs(corpus["path"], **kwargs)
    got = [r.id for r in runs]
    assert len(runs) == len(got), "runCount agrees with the runs listed"
    return got


def matched(server, corpus, filters):
    return sorted(names(server, corpus, filters))


# ---------------------------------------------------------------- filters


def test_issue_example_filter_order_and_page_size(server, corpus):
    filters = {"$and": [{"config.lr": {"$gt": 0.01}}, {"tags": {"$in": ["baseline"]}}]}
    assert names(server, corpus, filters, order="-summary_metrics.loss", per_page=50) == ["r4"]
    filters = {"$and": [{"config.lr": {"$gte": 0.01}}, {"tags": {"$in": ["baseline"]}}]}
    # r4 has no loss: a missing value sorts after the present ones.
    assert names(server, corpus, filters, order="-summary_metrics.loss", per_page=1) == ["r1", "r4"]


def test_no_filter_and_empty_filter_match_everything(server, corpus):
    assert names(server, corpus) == ALL
    assert names(server, corpus, {}) == ALL
    assert names(server, corpus, {"$and": [{}]}) == ALL


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"config.lr": {"$gt": 0.01}}, ["r2", "r3", "r4"]),
        ({"config.lr": {"$gte": 0.01}}, ["r1", "r2", "r3", "r4"]),
        ({"config.lr": {"$lt": 0.05}}, ["r0", "r1"]),
        ({"config.lr": {"$lte": 0.05}}, ["r0", "r1", "r2"]),
        ({"config.lr": {"$eq": 0.1}}, ["r3"]),
        ({"config.lr": 0.1}, ["r3"]),
        ({"config.lr": {"$ne": 0.1}}, ["r0", "r1", "r2", "r4", "r5"]),
        ({"config.lr": {"$in": [0.001, 0.5, 7]}}, ["r0", "r4"]),
        ({"config.lr": {"$nin": [0.001, 0.5]}}, ["r1", "r2", "r3", "r5"]),
        ({"config.lr": {"$exists": True}}, ["r0", "r1", "r2", "r3", "r4"]),
        ({"config.lr": {"$exists": False}}, ["r5"]),
        ({"config.lr": {"$gt": 0.001, "$lt": 0.1}}, ["r1", "r2"]),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else None,
)
def test_comparison_operators_on_config_numbers(server, corpus, filters, expected):
    assert matched(server, corpus, filters) == expected


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"config.opt": "adam"}, ["r0", "r2", "r5"]),
        ({"config.opt": {"$eq": "adam"}}, ["r0", "r2", "r5"]),
        ({"config.opt": {"$ne": "adam"}}, ["r1", "r3", "r4"]),
        ({"config.opt": {"$in": ["sgd", "lbfgs"]}}, ["r1", "r3", "r4"]),
        ({"config.opt": {"$nin": ["sgd", "lbfgs"]}}, ["r0", "r2", "r5"]),
        ({"config.opt": {"$gt": "b"}}, ["r1", "r3", "r4"]),
        ({"config.opt": {"$regex": "^l"}}, ["r4"]),
        ({"config.model.name": "vit"}, ["r2", "r3"]),
        ({"config.model.layers": {"$gte": 24}}, ["r1", "r3"]),
        ({"config.model.layers": {"$lt": 20}}, ["r0", "r2", "r5"]),
        ({"config.model.name": {"$exists": False}}, ["r4"]),
        ({"config.use_amp": True}, ["r0", "r2"]),
        ({"config.use_amp": False}, ["r1"]),
        # Numbers match numbers and strings match strings, as in MongoDB.
        ({"config.batch": {"$gte": 64}}, ["r0", "r1"]),
        ({"config.batch": 64}, ["r0"]),
        ({"config.batch": "64"}, ["r3"]),
        ({"config.batch": 64.0}, ["r0"]),
        # $not also matches runs without the field, as in MongoDB.
        ({"config.lr": {"$not": {"$gt": 0.01}}}, ["r0", "r1", "r5"]),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else None,
)
def test_nested_strings_booleans_and_types_in_config(server, corpus, filters, expected):
    assert matched(server, corpus, filters) == expected


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"summary_metrics.loss": {"$lt": 0.5}}, ["r2", "r3"]),
        ({"summary_metrics.loss": {"$gte": 0.5}}, ["r0", "r1", "r5"]),
        ({"summary_metrics.loss": {"$exists": False}}, ["r4"]),
        ({"summary_metrics.acc": {"$gte": 0.7}}, ["r2", "r3", "r4"]),
        ({"summary_metrics.val.loss": {"$gt": 0.5}}, ["r0", "r1"]),
        ({"summary_metrics.val.loss": {"$exists": True}}, ["r0", "r1", "r2"]),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else None,
)
def test_summary_metrics(server, corpus, filters, expected):
    assert matched(server, corpus, filters) == expected


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"tags": {"$in": ["best", "exp"]}}, ["r1", "r2", "r5"]),
        ({"tags": {"$nin": ["baseline"]}}, ["r2", "r3"]),
        ({"tags": "best"}, ["r1"]),
        ({"state": "finished"}, ["r0", "r1", "r5"]),
        ({"state": {"$in": ["crashed", "failed"]}}, ["r2", "r4"]),
        ({"state": {"$ne": "finished"}}, ["r2", "r3", "r4"]),
        ({"display_name": {"$regex": "^alpha"}}, ["r0", "r1"]),
        ({"displayName": {"$regex": "one$"}}, ["r0", "r2"]),
        ({"display_name": {"$regex": "ta-t"}}, ["r3"]),
        ({"display_name": {"$regex": ".*"}}, ALL),
        ({"display_name": {"$regex": "^gam.*a$"}}, ["r4"]),
        ({"display_name": {"$regex": "ALPHA", "$options": "i"}}, ["r0", "r1"]),
        ({"displayName": "delta"}, ["r5"]),
        ({"group": "g1"}, ["r0", "r1"]),
        ({"group": {"$in": ["g2", "g3"]}}, ["r2", "r3", "r5"]),
        ({"jobType": "eval"}, ["r2", "r4"]),
        ({"host": "hostC"}, ["r4", "r5"]),
        ({"host": {"$regex": "^host"}}, ALL),
        ({"name": "r3"}, ["r3"]),
        ({"name": {"$in": ["r0", "r5", "nope"]}}, ["r0", "r5"]),
        ({"sweep": "sw1"}, ["r3"]),
        ({"username": "admin"}, ["r0", "r1", "r2", "r3", "r4"]),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else None,
)
def test_run_fields(server, corpus, filters, expected):
    assert matched(server, corpus, filters) == expected


def test_username_of_another_creator(server, corpus):
    assert matched(server, corpus, {"username": corpus["other"]}) == ["r5"]


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"$or": [{"group": "g1"}, {"jobType": "eval"}]}, ["r0", "r1", "r2", "r4"]),
        ({"$nor": [{"group": "g1"}, {"state": "running"}]}, ["r2", "r4", "r5"]),
        ({"$and": [{"jobType": "train"}, {"state": "finished"}]}, ["r0", "r1", "r5"]),
        (
            {
                "$and": [
                    {"$or": [{"config.opt": "adam"}, {"tags": {"$in": ["best"]}}]},
                    {"summary_metrics.loss": {"$lt": 0.8}},
                ]
            },
            ["r1", "r2", "r5"],
        ),
        ({"$or": [{"$and": [{"group": "g2"}, {"jobType": "eval"}]}, {"name": "r4"}]}, ["r2", "r4"]),
        # Several keys in one document are an implicit $and.
        ({"group": "g2", "jobType": "train"}, ["r3"]),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else None,
)
def test_logical_operators(server, corpus, filters, expected):
    assert matched(server, corpus, filters) == expected


def test_created_at(server, corpus):
    t5 = corpus["r5_created"]  # "YYYY-MM-DDTHH:MM:SS", r5 was made >1 s after r4
    assert matched(server, corpus, {"createdAt": {"$gte": t5}}) == ["r5"]
    assert matched(server, corpus, {"createdAt": {"$lt": t5}}) == ["r0", "r1", "r2", "r3", "r4"]
    # ISO 8601 with milliseconds and a zone, as the W&B app writes it.
    assert matched(server, corpus, {"createdAt": {"$gte": t5 + ".000Z"}}) == ["r5"]
    assert matched(server, corpus, {"createdAt": {"$gt": "2000-01-01T00:00:00"}}) == ALL


def test_duration(server, corpus):
    assert matched(server, corpus, {"duration": {"$gte": 1}}) == ["r0"]
    assert matched(server, corpus, {"duration": {"$lt": 1}}) == ["r1", "r2", "r3", "r4", "r5"]


# ---------------------------------------------------------------- order


def _at_an_end(got, expected_present, missing):
    """`expected_present` in this order, with the runs in `missing` (which
    lack the sort key) together at one end."""
    rest = [n for n in got if n not in missing]
    ends = got[: len(missing)], got[len(got) - len(missing) :]
    return rest == expected_present and sorted(missing) in (sorted(ends[0]), sorted(ends[1]))


@pytest.mark.parametrize(
    "order, expected",
    [
        ("+created_at", ALL),
        ("created_at", ALL),
        ("-created_at", ALL[::-1]),
        ("+heartbeat_at", ["r1", "r2", "r3", "r4", "r5", "r0"]),
        ("-heartbeat_at", ["r0", "r5", "r4", "r3", "r2", "r1"]),
    ],
)
def test_order_by_time(server, corpus, order, expected):
    assert names(server, corpus, order=order) == expected


@pytest.mark.parametrize(
    "order, present, missing",
    [
        ("+summary_metrics.loss", ["r3", "r2", "r1", "r5", "r0"], ["r4"]),
        ("-summary_metrics.loss", ["r0", "r5", "r1", "r2", "r3"], ["r4"]),
        ("+summary_metrics.val.loss", ["r2", "r1", "r0"], ["r3", "r4", "r5"]),
        ("+config.lr.value", ["r0", "r1", "r2", "r3", "r4"], ["r5"]),
        ("-config.lr.value", ["r4", "r3", "r2", "r1", "r0"], ["r5"]),
        ("-config.model.layers.value", ["r1", "r3", "r0", "r2", "r5"], ["r4"]),
    ],
)
def test_order_by_config_and_summary(server, corpus, order, present, missing):
    got = names(server, corpus, order=order)
    assert _at_an_end(got, present, missing), got


def test_order_with_ties_is_stable_and_complete(server, corpus):
    got = names(server, corpus, order="+config.opt.value", per_page=1)
    assert sorted(got) == ALL
    opts = [RUNS[n]["config"]["opt"] for n in got]
    assert opts == sorted(opts)
    assert got == names(server, corpus, order="+config.opt.value", per_page=4)


def test_order_on_an_unknown_field_is_a_clear_error(server, corpus):
    with pytest.raises(Exception, match="bogus"):
        names(server, corpus, order="+bogus")


# ---------------------------------------------------------------- pagination


RUNS_PAGE = """
query($project: String!, $entity: String!, $cursor: String, $perPage: Int, $order: String, $filters: JSONString) {
  project(name: $project, entityName: $entity) {
    runCount(filters: $filters)
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges { node { name } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}
"""


def _pages(server, corpus, per_page, order=None, filters="{}"):
    """Every page, following endCursor, as a list of lists of names."""
    pages, cursor = [], None
    while True:
        resp = server.gql(
            RUNS_PAGE,
            {
                "project": corpus["project"],
                "entity": corpus["team"],
                "cursor": cursor,
                "perPage": per_page,
                "order": order,
                "filters": filters,
            },
        )
        assert "errors" not in resp, resp
        runs = resp["data"]["project"]["runs"]
        page = [e["node"]["name"] for e in runs["edges"]]
        pages.append(page)
        if runs["edges"]:
            assert runs["pageInfo"]["endCursor"] == runs["edges"][-1]["cursor"]
        if not runs["pageInfo"]["hasNextPage"]:
            return pages
        assert len(pages) <= 20, "pagination does not end"
        cursor = runs["pageInfo"]["endCursor"]


@pytest.mark.parametrize("per_page", [1, 2, 3, 5, 6, 7, 50])
@pytest.mark.parametrize("order", ["+created_at", "-summary_metrics.loss", "+config.opt.value", "-heartbeat_at"])
def test_pages_cover_every_run_once(server, corpus, per_page, order):
    pages = _pages(server, corpus, per_page, order)
    flat = [n for p in pages for n in p]
    assert flat == names(server, corpus, order=order), "pages concatenate to the full ordering"
    assert sorted(flat) == ALL
    # Exact page boundaries: full pages, no empty trailing page.
    assert [len(p) for p in pages] == [per_page] * (6 // per_page) + ([6 % per_page] if 6 % per_page else [])


def test_pages_of_a_filtered_search(server, corpus):
    filters = '{"config.lr": {"$gt": 0.001}}'
    pages = _pages(server, corpus, 2, "-config.lr.value", filters)
    assert pages == [["r4", "r3"], ["r2", "r1"]]
    pages = _pages(server, corpus, 1, None, '{"name": "nope"}')
    assert pages == [[]]


def test_client_pagination_and_len(server, corpus):
    runs = server.api().runs(corpus["path"], per_page=4)
    assert len(runs) == 6
    assert [r.id for r in runs] == ALL
    filtered = server.api().runs(corpus["path"], filters={"tags": {"$in": ["baseline"]}}, per_page=1)
    assert len(filtered) == 4
    assert [r.id for r in filtered] == ["r0", "r1", "r4", "r5"]


def test_page_sizes_out_of_range_are_refused(server, corpus):
    for per_page in (0, -1, 10**6):
        resp = server.gql(
            RUNS_PAGE, {"project": corpus["project"], "entity": corpus["team"], "perPage": per_page}
        )
        assert "errors" in resp and re.search(r"[Pp]age size", resp["errors"][0]["message"]), resp


def test_a_garbage_cursor_is_refused(server, corpus):
    for cursor in ("garbage", base64.b64encode(b"Run:1").decode()):
        resp = server.gql(
            RUNS_PAGE, {"project": corpus["project"], "entity": corpus["team"], "perPage": 2, "cursor": cursor}
        )
        assert "errors" in resp, resp
        assert "cursor" in resp["errors"][0]["message"].lower(), resp


def test_runs_created_while_paging_do_not_shift_pages(server, unique):
    for i in range(4):
        server.upsert_run("admin", unique, f"p{i}")
        time.sleep(0.005)
    corpus = {"project": unique, "team": "admin"}
    first = server.gql(RUNS_PAGE, {"project": unique, "entity": "admin", "perPage": 2, "order": "-created_at"})
    page1 = first["data"]["project"]["runs"]
    assert [e["node"]["name"] for e in page1["edges"]] == ["p3", "p2"]
    server.upsert_run("admin", unique, "p4")  # newest: sorts before the cursor
    second = server.gql(
        RUNS_PAGE,
        {"project": unique, "entity": "admin", "perPage": 2, "order": "-created_at", "cursor": page1["pageInfo"]["endCursor"]},
    )
    page2 = second["data"]["project"]["runs"]
    assert [e["node"]["name"] for e in page2["edges"]] == ["p1", "p0"]
    assert page2["pageInfo"]["hasNextPage"] is False
    assert _pages(server, corpus, 2, "-created_at") == [["p4", "p3"], ["p2", "p1"], ["p0"]]


# ---------------------------------------------------------------- bad filters


@pytest.mark.parametrize(
    "filters, named",
    [
        ({"config.lr": {"$foo": 1}}, "$foo"),
        ({"$and": {"config.lr": 1}}, "$and"),
        ({"$or": "x"}, "$or"),
        ({"$nor": [1, 2]}, "$nor"),
        ({"config.lr": {"$in": 5}}, "$in"),
        ({"config.lr": {"$nin": "abc"}}, "$nin"),
        ({"config.lr": {"$gt": [1, 2]}}, "$gt"),
        ({"config.lr": {"$lte": {"a": 1}}}, "$lte"),
        ({"display_name": {"$regex": 5}}, "$regex"),
        ({"config.lr": {"$exists": "yes"}}, "$exists"),
        ({"createdAt": {"$gt": "last tuesday"}}, "last tuesday"),
        ({"$where": "1 == 1"}, "$where"),
    ],
    ids=lambda v: str(v) if isinstance(v, dict) else None,
)
def test_malformed_filters_get_a_clear_error(server, corpus, filters, named):
    runs = server.api().runs(corpus["path"], filters=filters)
    with pytest.raises(Exception, match=re.escape(named)):
        list(runs)
    with pytest.raises(Exception, match=re.escape(named)):
        len(server.api().runs(corpus["path"], filters=filters))


@pytest.mark.parametrize(
    "filters, expected",
    [
        # Full regular expressions, evaluated in the database (REGEXP).
        ({"display_name": {"$regex": "alpha-(one|two)"}}, ["r0", "r1"]),
        ({"display_name": {"$regex": "^[ab][a-z]+-t"}}, ["r1", "r3"]),
        ({"display_name": {"$regex": "^(?:beta|gamma)"}}, ["r2", "r3", "r4"]),
        ({"host": {"$regex": "^host[AC]$"}}, ["r0", "r1", "r4", "r5"]),
        ({"display_name": {"$regex": "^BETA-\\w+$", "$options": "i"}}, ["r2", "r3"]),
        ({"tags": {"$regex": "^(best|exp)$"}}, ["r1", "r2", "r5"]),
    ],
    ids=str,
)
def test_full_regexes_run_in_the_database(server, corpus, filters, expected):
    assert matched(server, corpus, filters) == expected


def test_a_bad_regex_is_an_error_not_a_wrong_answer(server, corpus):
    with pytest.raises(Exception, match="not a valid regex"):
        names(server, corpus, {"display_name": {"$regex": "alpha-(one"}})
    with pytest.raises(Exception, match="limit"):
        names(server, corpus, {"display_name": {"$regex": "a" * 2000}})


def test_filters_that_are_not_json_objects_are_refused(server, corpus):
    for raw in ("{not json", "[1, 2]", '"text"'):
        resp = server.gql(
            RUNS_PAGE, {"project": corpus["project"], "entity": corpus["team"], "perPage": 2, "filters": raw}
        )
        assert "errors" in resp, (raw, resp)
        message = resp["errors"][0]["message"]
        assert "filter" in message.lower(), (raw, message)
