-- Seeds a migrated, empty PostgreSQL database with a news site's comments at scale, for
-- benchmarks/bench_scale.py (which runs each "-- step:" below on its own and times it).
--
-- Parameters, as custom settings set by the caller (`SET bench.comments = '1000000'` ...):
--   bench.comments  number of comments          bench.users     number of readers
--   bench.articles  number of articles (article 1, bench-00001, is the hot one)
--
-- Every value is a pure function of the comment's number g (slices of md5(g)), so a run is
-- reproducible, any prefix 1..g has the same proportions as the whole, and a reply can tell
-- whether the comment it answers is published without reading it. Proportions:
--   10% of comments (g % 10 = 0) on the hot article; the rest in threads of up to 50
--   consecutive numbers on one of the other articles, so articles have ~comments/articles each;
--   5% held (75% toxic, 15% new commenter, 10% suspect word; none unscored: the service's
--   start-up sweep would re-score those while the benchmark measures), 1% published with
--   1-3 open reports (and their rows in `report`), the rest published (`passed_checks`);
--   25% are replies to an earlier published comment of the same article;
--   authors skewed towards low user ids (a few prolific writers), created_at spread over the
--   last 30 days in id order, Detoxify-shaped scores; one `created` audit event per comment
--   and one `reported` event per report, numbered in time order, as the service writes them.

-- step: helpers
CREATE FUNCTION pg_temp.u(h text, k int) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ('x' || substr(h, 1 + 8 * k, 8))::bit(32)::bigint::double precision / 4294967296.0 $$;

CREATE FUNCTION pg_temp.article_of(g bigint, articles int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT 'bench-' || lpad(
        (CASE WHEN g % 10 = 0 THEN 1 ELSE 2 + ((g / 50) * 7919) % (articles - 1) END)::text,
        5, '0')
$$;

CREATE FUNCTION pg_temp.published(g bigint) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_temp.u(md5(g::text), 0) >= 0.05 $$;

-- step: users
INSERT INTO "user" (id, display_name, avatar_url, role, status, suspended_until, premoderated,
                    created_at)
SELECT g,
       (ARRAY['Min-jun', 'Ji-woo', 'Seo-yeon', 'Alex', 'Sam', 'Maria', 'Chen', 'Priya', 'Tom',
              'Aiko', 'Lukas', 'Fatima'])[1 + g % 12] || ' ' || g,
       NULL, 'reader', 'active', NULL, false,
       now() - interval '90 days' + make_interval(secs => 5184000.0 * g / current_setting('bench.users')::int)
FROM generate_series(1, current_setting('bench.users')::int) AS g;

-- step: articles
INSERT INTO article (id, url, title, closed_at, premoderated, created_at)
SELECT 'bench-' || lpad(g::text, 5, '0'),
       'https://news.example.com/articles/' || g,
       'Article ' || g || ': ' || (ARRAY['Council vote on the rail line', 'Harbour strike talks',
           'School budgets for next year', 'Water rates rise', 'Trilateral summit statement',
           'Housing prices cool'])[1 + g % 6],
       NULL, false,
       now() - interval '31 days'
FROM generate_series(1, current_setting('bench.articles')::int) AS g;

-- step: comments
INSERT INTO comment (id, article_id, author_id, parent_id, body, status, status_reason, scores,
                     toxicity, model_id, open_reports, created_at, edited_at)
SELECT g,
       pg_temp.article_of(g, articles),
       1 + least(users - 1, floor(users * u_author * u_author)::int),
       CASE WHEN u_reply < 0.25 AND parent IS NOT NULL AND parent >= 1 AND parent < g
                 AND pg_temp.published(parent) THEN parent END,
       (ARRAY['Thanks for the clear report.', 'Good piece overall.', 'I read this twice.',
              'Interesting angle on the story.', 'Finally some numbers.', 'Fair reporting.',
              'Useful summary for those of us who missed the briefing.',
              'Not sure I agree, but well argued.'])[1 + floor(u_b1 * 8)::int]
       || ' ' ||
       (ARRAY['The part about the bus fares', 'The minister''s statement',
              'The chart on housing prices', 'The quote from the harbour workers',
              'The timeline of the negotiations', 'The section on school budgets',
              'The comparison with last year''s figures', 'The interview with the mayor'
             ])[1 + floor(u_b2 * 8)::int]
       || ' ' ||
       (ARRAY['deserves more attention.', 'raised questions I had not considered.',
              'could use a source link.', 'seems a bit optimistic.',
              'explains a lot about the delays.', 'left me wanting more detail.',
              'made the trade-offs clear.', 'needs a follow-up in a month.'
             ])[1 + floor(u_b3 * 8)::int]
       || (ARRAY['', ' Please keep covering this.', ' Would love to see the full data.',
                 ' Hope the council listens.', ' Curious what readers elsewhere think.', '',
                 ' I will share this with my neighbours.', ' Thanks again.'
                ])[1 + floor(u_b4 * 8)::int],
       CASE WHEN kind = 'held' THEN 'held' ELSE 'published' END,
       CASE WHEN kind = 'held' THEN held_reason ELSE 'passed_checks' END,
       json_build_object(
           'toxicity', tox,
           'severe_toxicity', round((tox * tox * 0.1)::numeric, 4),
           'obscene', round((tox * 0.5 * u_b1)::numeric, 4),
           'threat', round((tox * 0.1 * u_b2)::numeric, 4),
           'insult', round((tox * 0.8 * u_b3)::numeric, 4),
           'identity_attack', round((tox * 0.15 * u_b4)::numeric, 4)),
       tox,
       'detoxify-0.5.4:original',
       CASE WHEN kind = 'reported' THEN 1 + floor(u_reports * 3)::int ELSE 0 END,
       now() - make_interval(secs => 2592000.0 * (1 - g::double precision / comments)),
       NULL
FROM (
    SELECT g, users, articles, comments, kind, held_reason, u_author, u_reply, u_reports,
           u_b1, u_b2, u_b3, u_b4, parent,
           round((CASE
               WHEN held_reason = 'toxic' THEN 0.8 + 0.199 * u_tox
               WHEN kind = 'reported' THEN 0.2 + 0.5 * u_tox
               ELSE 0.6 * u_tox * u_tox * u_tox
           END)::numeric, 4)::double precision AS tox
    FROM (
        SELECT g, users, articles, comments,
               CASE WHEN pg_temp.u(h, 0) < 0.05 THEN 'held'
                    WHEN pg_temp.u(h, 0) < 0.06 THEN 'reported'
                    ELSE 'published' END AS kind,
               CASE WHEN pg_temp.u(h, 0) >= 0.05 THEN NULL
                    WHEN pg_temp.u(h, 1) < 0.75 THEN 'toxic'
                    WHEN pg_temp.u(h, 1) < 0.90 THEN 'new_commenter'
                    ELSE 'suspect_word' END AS held_reason,
               pg_temp.u(h, 2) AS u_tox, pg_temp.u(h, 3) AS u_author,
               pg_temp.u(h2, 0) AS u_reply, pg_temp.u(h2, 2) AS u_reports,
               pg_temp.u(h2, 3) AS u_b1, pg_temp.u(h3, 0) AS u_b2,
               pg_temp.u(h3, 1) AS u_b3, pg_temp.u(h3, 2) AS u_b4,
               CASE WHEN g % 10 = 0 THEN g - 10 * (1 + floor(pg_temp.u(h2, 1) * 20)::bigint)
                    WHEN g > (g / 50) * 50 + 1 THEN (
                        SELECT CASE WHEN p % 10 = 0 THEN p - 1 ELSE p END
                        FROM (SELECT (g / 50) * 50 + 1
                                     + floor(pg_temp.u(h2, 1) * (g - (g / 50) * 50 - 1))::bigint
                                     AS p) AS pick)
               END AS parent
        FROM (
            SELECT g, md5(g::text) AS h, md5(g::text || 'b') AS h2, md5(g::text || 'c') AS h3,
                   current_setting('bench.users')::int AS users,
                   current_setting('bench.articles')::int AS articles,
                   current_setting('bench.comments')::bigint AS comments
            FROM generate_series(1, current_setting('bench.comments')::bigint) AS g
            OFFSET 0  -- a fence: each md5 computed once per row, not inlined into every use
        ) AS hashed
        OFFSET 0
    ) AS decided
    OFFSET 0
) AS scored;

-- step: reports
INSERT INTO report (id, comment_id, reporter_id, reason, note, created_at, resolved_at)
SELECT row_number() OVER (ORDER BY c.id, j),
       c.id,
       -- distinct for j = 1..3 and never the author: a step of a quarter of the users
       1 + (c.author_id - 1 + j * greatest(1, current_setting('bench.users')::int / 4))
           % current_setting('bench.users')::int,
       (ARRAY['spam', 'abuse', 'off_topic', 'misinformation', 'other'])[1 + (c.id + j) % 5],
       CASE WHEN j = 1 THEN 'Reported by a reader' END,
       c.created_at + (now() - c.created_at) * (j / 4.0),  -- after the comment, before now
       NULL
FROM comment AS c
CROSS JOIN LATERAL generate_series(1, c.open_reports) AS j
WHERE c.open_reports > 0;

-- step: audit log
INSERT INTO moderation_action (id, action, comment_id, subject_user_id, article_id, from_status,
                               to_status, actor_id, reason, note, detail, created_at)
SELECT row_number() OVER (ORDER BY created_at, kind, ref),
       action, comment_id, subject_user_id, article_id, NULL, to_status, actor_id, reason, note,
       NULL, created_at
FROM (
    SELECT 0 AS kind, c.id AS ref, 'created' AS action, c.id AS comment_id,
           c.author_id AS subject_user_id, c.article_id, c.status AS to_status,
           NULL::bigint AS actor_id, c.status_reason AS reason, NULL::text AS note, c.created_at
    FROM comment AS c
    UNION ALL
    SELECT 1, r.id, 'reported', r.comment_id, c.author_id, c.article_id, NULL, r.reporter_id,
           r.reason, r.note, r.created_at
    FROM report AS r JOIN comment AS c ON c.id = r.comment_id
) AS events;

-- step: sequences
SELECT setval(pg_get_serial_sequence('"user"', 'id'), (SELECT max(id) FROM "user"));
SELECT setval(pg_get_serial_sequence('comment', 'id'), (SELECT max(id) FROM comment));
SELECT setval(pg_get_serial_sequence('report', 'id'), greatest(1, (SELECT max(id) FROM report)));
SELECT setval(pg_get_serial_sequence('moderation_action', 'id'),
              (SELECT max(id) FROM moderation_action));
