#!/usr/bin/env bash
# Replays docs/PARTITIONING.md on a scratch database: migrations, a demo history, the answers and
# complaints tables converted to monthly partitions, and what the app's statements do afterwards.
#
#   bench/partition_try.sh [DBNAME]        (default tingjian_partition_try; dropped and re-created)
#
# Needs psql/createdb/dropdb and a PostgreSQL 12+ at PGHOST:PGPORT (default 127.0.0.1:5432, user
# postgres). Prints every statement and its result; expected errors are marked "EXPECTED ERROR".
set -euo pipefail
cd "$(dirname "$0")/.."

DB=${1:-tingjian_partition_try}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export DATABASE_URL="postgresql://${PGUSER}@${PGHOST}:${PGPORT}/${DB}"
PY=${PY:-.venv/bin/python}
psql_run() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" --echo-all "$@"; }
psql_expect_error() { psql -X -q -d "$DB" --echo-all "$@" || true; }

echo "== 0. scratch database from the migrations, with a 14-week demo history"
dropdb --if-exists "$DB"
createdb "$DB"
$PY -m bot db upgrade
$PY -m bot demo-data --customers 4000 --weeks 14 --seed 1

echo "== 1. before: a month's answers read (storage.analytics._answers, November in Shanghai)"
psql_run <<'SQL'
SELECT count(*) AS answers, pg_size_pretty(pg_total_relation_size('answers')) AS size FROM answers;
EXPLAIN (COSTS OFF)
SELECT a.response_id, r.respondent_id, r.survey_version_id, a.question_id, a.score, a.answered_at
FROM answers a JOIN responses r ON r.id = a.response_id
WHERE r.started_at >= '2026-11-01 00:00+08' AND r.started_at < '2026-12-01 00:00+08';
SQL

echo "== 2. the unique key the app's upsert names cannot exist on a table partitioned by time"
psql_expect_error <<'SQL'
\echo EXPECTED ERROR:
CREATE TABLE answers_try (LIKE answers INCLUDING DEFAULTS, UNIQUE (response_id, question_id))
    PARTITION BY RANGE (answered_at);
SQL

echo "== 3. answers: a partitioned table keyed by the response's start, rows moved, names swapped"
psql_run <<'SQL'
\timing on
BEGIN;
-- Writers wait (a few seconds for 200k rows); readers of the old table carry on until the swap.
LOCK TABLE answers IN SHARE MODE;
CREATE TABLE answers_new (
    id                  bigint      NOT NULL DEFAULT nextval('answers_id_seq'),
    response_id         integer     NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id         integer     NOT NULL REFERENCES questions (id),
    score               double precision,
    text                text,
    answered_at         timestamptz NOT NULL DEFAULT now(),
    response_started_at timestamptz NOT NULL,  -- the partition key: responses.started_at, copied
    CONSTRAINT pk_answers_p PRIMARY KEY (id, response_started_at),
    CONSTRAINT uq_answers_p_response_question UNIQUE (response_id, question_id, response_started_at)
) PARTITION BY RANGE (response_started_at);
CREATE INDEX ix_answers_p_answered_at ON answers_new (answered_at);
-- One partition per local month (Asia/Shanghai), so a month's report reads exactly one.
DO $$
DECLARE
    first date := date_trunc('month', (SELECT min(started_at) FROM responses) AT TIME ZONE 'Asia/Shanghai');
    last  date := date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') + interval '2 months';
    m     date;
BEGIN
    m := first;
    WHILE m <= last LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF answers_new FOR VALUES FROM (%L) TO (%L)',
            'answers_' || to_char(m, 'YYYY_MM'),
            (m::timestamp AT TIME ZONE 'Asia/Shanghai'),
            ((m + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai'));
        m := m + interval '1 month';
    END LOOP;
END $$;
INSERT INTO answers_new (id, response_id, question_id, score, text, answered_at, response_started_at)
SELECT a.id, a.response_id, a.question_id, a.score, a.text, a.answered_at, r.started_at
FROM answers a JOIN responses r ON r.id = a.response_id;
ALTER SEQUENCE answers_id_seq OWNED BY answers_new.id;
ALTER TABLE answers RENAME TO answers_old;
ALTER TABLE answers_new RENAME TO answers;
COMMIT;
ANALYZE answers;
SELECT tableoid::regclass AS partition, count(*) FROM answers GROUP BY 1 ORDER BY 1;
SQL

echo "== 4. complaints: the old table attached as the history partition (no rows moved)"
psql_run <<'SQL'
\timing on
BEGIN;
-- Every key of a partitioned table includes the partition key, so the four tables that point at
-- complaints(id) lose their foreign keys (the app never deletes a complaint; see the doc).
ALTER TABLE ticket_events DROP CONSTRAINT fk_ticket_events_complaint_id_complaints;
ALTER TABLE sla_breaches DROP CONSTRAINT fk_sla_breaches_complaint_id_complaints;
ALTER TABLE complaint_labels DROP CONSTRAINT fk_complaint_labels_complaint_id_complaints;
ALTER TABLE complaint_attachments DROP CONSTRAINT fk_complaint_attachments_complaint_id_complaints;
ALTER TABLE complaints DROP CONSTRAINT pk_complaints;
ALTER TABLE complaints ADD CONSTRAINT pk_complaints_history PRIMARY KEY (id, created_at);
-- A partial unique index must include the partition key too: one case per response is no longer
-- guaranteed by the database.
DROP INDEX uq_complaints_follow_up_response;
CREATE INDEX ix_complaints_follow_up_response ON complaints (source_response_id) WHERE kind = 'follow_up';
CREATE TABLE complaints_new (LIKE complaints INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (created_at);
ALTER TABLE complaints_new ADD CONSTRAINT pk_complaints_p PRIMARY KEY (id, created_at);
ALTER TABLE complaints_new
    ADD FOREIGN KEY (respondent_id) REFERENCES respondents (id) ON DELETE CASCADE,
    ADD FOREIGN KEY (source_response_id) REFERENCES responses (id) ON DELETE SET NULL;
CREATE INDEX ix_complaints_p_created_at ON complaints_new (created_at);
CREATE INDEX ix_complaints_p_status ON complaints_new (status);
CREATE INDEX ix_complaints_p_respondent_id ON complaints_new (respondent_id);
CREATE INDEX ix_complaints_p_follow_up_response ON complaints_new (source_response_id) WHERE kind = 'follow_up';
-- A CHECK matching the bound lets ATTACH skip its validating scan.
-- NOT VALID: added at once; validated once this month's rows have moved out (below).
ALTER TABLE complaints ADD CONSTRAINT complaints_history_bound
    CHECK (created_at IS NOT NULL AND created_at < '2026-12-01 00:00+08') NOT VALID;
ALTER TABLE complaints RENAME TO complaints_history;
ALTER TABLE complaints_new RENAME TO complaints;
ALTER SEQUENCE complaints_id_seq OWNED BY complaints.id;
COMMIT;
SQL
# ATTACH fails while rows of the coming month sit in the old table: move those rows first.
psql_run <<'SQL'
CREATE TABLE complaints_2026_12 PARTITION OF complaints
    FOR VALUES FROM ('2026-12-01 00:00+08') TO ('2027-01-01 00:00+08');
CREATE TABLE complaints_2027_01 PARTITION OF complaints
    FOR VALUES FROM ('2027-01-01 00:00+08') TO ('2027-02-01 00:00+08');
SQL
psql_expect_error <<'SQL'
\echo EXPECTED ERROR (rows of the current month are still in the history table, so its bound cannot be validated yet):
ALTER TABLE complaints_history VALIDATE CONSTRAINT complaints_history_bound;
SQL
psql_run <<'SQL'
\timing on
SELECT count(*) AS december_rows_in_history FROM complaints_history WHERE created_at >= '2026-12-01 00:00+08';
BEGIN;
INSERT INTO complaints SELECT * FROM complaints_history WHERE created_at >= '2026-12-01 00:00+08';
DELETE FROM complaints_history WHERE created_at >= '2026-12-01 00:00+08';
ALTER TABLE complaints_history VALIDATE CONSTRAINT complaints_history_bound;
ALTER TABLE complaints ATTACH PARTITION complaints_history
    FOR VALUES FROM (MINVALUE) TO ('2026-12-01 00:00+08');
COMMIT;
ANALYZE complaints;
SELECT tableoid::regclass AS partition, count(*) FROM complaints GROUP BY 1 ORDER BY 1;
SQL

echo "== 5. after: the month's reads"
psql_run <<'SQL'
\echo -- answers as the app reads them today (window on responses.started_at only): every partition
EXPLAIN (COSTS OFF)
SELECT a.response_id, r.respondent_id, r.survey_version_id, a.question_id, a.score, a.answered_at
FROM answers a JOIN responses r ON r.id = a.response_id
WHERE r.started_at >= '2026-11-01 00:00+08' AND r.started_at < '2026-12-01 00:00+08';
\echo -- with the window also on the partition key: one partition
EXPLAIN (COSTS OFF)
SELECT a.response_id, r.respondent_id, r.survey_version_id, a.question_id, a.score, a.answered_at
FROM answers a JOIN responses r ON r.id = a.response_id
WHERE r.started_at >= '2026-11-01 00:00+08' AND r.started_at < '2026-12-01 00:00+08'
  AND a.response_started_at >= '2026-11-01 00:00+08' AND a.response_started_at < '2026-12-01 00:00+08';
\echo -- the same with parameters, as asyncpg sends it (pruned at execution: "Subplans Removed")
PREPARE month_answers(timestamptz, timestamptz) AS
SELECT a.response_id, a.question_id, a.score FROM answers a JOIN responses r ON r.id = a.response_id
WHERE r.started_at >= $1 AND r.started_at < $2 AND a.response_started_at >= $1 AND a.response_started_at < $2;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE month_answers('2026-11-01 00:00+08', '2026-12-01 00:00+08');
RESET plan_cache_mode;
\echo -- complaints as the report reads them (created in the month, or older and still open)
EXPLAIN (COSTS OFF)
SELECT c.id FROM complaints c
WHERE c.kind = 'complaint' AND ((c.created_at >= '2026-12-01 00:00+08' AND c.created_at < '2027-01-01 00:00+08')
      OR (c.created_at < '2026-12-01 00:00+08' AND c.status IN ('received', 'in_progress', 'reopened')));
\echo -- complaints created in the month only: one partition
EXPLAIN (COSTS OFF)
SELECT c.id FROM complaints c
WHERE c.kind = 'complaint' AND c.created_at >= '2026-12-01 00:00+08' AND c.created_at < '2027-01-01 00:00+08';
SQL

echo "== 6. after: the app's writes"
psql_expect_error <<'SQL'
\echo EXPECTED ERROR (storage/responses.RECORD_ANSWER as it is: its conflict target lacks the partition key):
INSERT INTO answers (response_id, question_id, score, text)
VALUES ((SELECT max(id) FROM responses), (SELECT min(id) FROM questions), 4, NULL)
ON CONFLICT (response_id, question_id) DO UPDATE SET score = excluded.score, answered_at = now();
SQL
psql_run <<'SQL'
\echo -- the upsert with the partition key taken from the response: inserts, then updates in place
PREPARE record_answer(int, int, float8) AS
INSERT INTO answers (response_id, question_id, score, text, response_started_at)
SELECT r.id, $2, $3, NULL, r.started_at FROM responses r WHERE r.id = $1
ON CONFLICT (response_id, question_id, response_started_at)
DO UPDATE SET score = excluded.score, text = excluded.text, answered_at = now();
INSERT INTO responses (respondent_id, survey_version_id, status, channel)
SELECT min(id), (SELECT min(id) FROM survey_versions), 'started', 'telegram' FROM respondents
RETURNING id AS rid \gset
SELECT min(id) AS qid FROM questions \gset
EXECUTE record_answer(:rid, :qid, 4);
EXECUTE record_answer(:rid, :qid, 5);
SELECT tableoid::regclass AS partition, response_id, question_id, score FROM answers
WHERE response_id = :rid;
\echo -- a new complaint, and its ticket event (no foreign key checks it any more)
INSERT INTO complaints (respondent_id, language, description, category_auto, category_confidence,
                        category, severity, status, wants_contact, keywords)
VALUES ((SELECT min(id) FROM respondents), 'zh', '测试', 'other', 0.5, 'other', 'low', 'received', false, '{}')
RETURNING id AS cid \gset
INSERT INTO ticket_events (complaint_id, actor_role, action, to_status)
VALUES (:cid, 'customer', 'open', 'received');
SELECT c.id, c.tableoid::regclass AS partition, count(e.id) AS events
FROM complaints c JOIN ticket_events e ON e.complaint_id = c.id WHERE c.id = :cid GROUP BY 1, 2;
SQL
psql_expect_error <<'SQL'
\echo EXPECTED ERROR (a row beyond the last partition: why a job must create the coming months ahead):
INSERT INTO complaints (respondent_id, created_at, language, description, category_auto, category_confidence,
                        category, severity, status, wants_contact, keywords)
VALUES ((SELECT min(id) FROM respondents), '2027-03-15 00:00+08', 'zh', '测试', 'other', 0.5, 'other', 'low',
        'received', false, '{}');
SQL

echo "== 7. the monthly job: create the coming months' partitions (idempotent)"
psql_run <<'SQL'
CREATE OR REPLACE FUNCTION tingjian_ensure_partitions(parent regclass, months_ahead int, tz text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', now() AT TIME ZONE tz);
    made int := 0;
    name text;
BEGIN
    FOR i IN 0..months_ahead LOOP
        name := parent::text || '_' || to_char(m, 'YYYY_MM');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                           name, parent, (m::timestamp AT TIME ZONE tz),
                           ((m + interval '1 month')::timestamp AT TIME ZONE tz));
            made := made + 1;
        END IF;
        m := m + interval '1 month';
    END LOOP;
    RETURN made;
END $$;
SELECT tingjian_ensure_partitions('answers', 3, 'Asia/Shanghai') AS answers_made,
       tingjian_ensure_partitions('complaints', 3, 'Asia/Shanghai') AS complaints_made;
SELECT tingjian_ensure_partitions('answers', 3, 'Asia/Shanghai') AS answers_made_again;
SELECT inhparent::regclass AS parent, count(*) AS partitions FROM pg_inherits
WHERE inhparent IN ('answers'::regclass, 'complaints'::regclass) GROUP BY 1 ORDER BY 1;
SQL

echo "== done: dropdb $DB when finished"
