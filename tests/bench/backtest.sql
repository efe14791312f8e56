-- The demo rules, simplified to what one SQL pass says easily, judged like `leadscore
-- backtest` (each visitor as of 1 ms before their first conversion, else the end of the
-- data). Kept: page categories by path prefix, minimum dwell, form names, maxCount caps,
-- the last identify's traits, category clamps, bands. Left out: cooldowns, withinDays
-- windows, skipFirst, decay (halfLifeDays), the sequence rule, the return-visit rule, the
-- setup-guide URL condition, webinar props, disqualification. Its numbers are therefore
-- close to, not equal to, leadscore's; it is here for the time and memory.
-- {EVENTS} and {OUTCOMES} are replaced by the bench.
WITH
o AS (
  SELECT visitor,
         min("at") FILTER (WHERE lower(outcome) IN ('meeting','sql','opportunity','won','closed_won','customer')) AS conv
  FROM read_csv('{OUTCOMES}', header = true, columns = {'visitor': 'VARCHAR', 'outcome': 'VARCHAR', 'at': 'DOUBLE', 'account': 'VARCHAR', 'latent_intent': 'DOUBLE'})
  GROUP BY visitor
),
e AS (
  SELECT visitor, type, ts, coalesce(dwellMs, 0) AS dwell, form,
         traits->>'seniority' AS seniority, traits->>'company_size' AS size,
         traits->>'email_type' AS email,
         regexp_extract(url, '^[a-z]+://[^/?#]*([^?#]*)', 1) AS path
  FROM read_json('{EVENTS}', format = 'newline_delimited',
       columns = {'visitor': 'VARCHAR', 'type': 'VARCHAR', 'ts': 'DOUBLE', 'url': 'VARCHAR',
                  'dwellMs': 'DOUBLE', 'form': 'VARCHAR', 'traits': 'JSON'})
),
j AS (
  SELECT e.*, coalesce(o.conv - 1, max(e.ts) OVER ()) AS judged_at, o.conv IS NOT NULL AS converted
  FROM e LEFT JOIN o USING (visitor)
),
per AS (
  SELECT visitor, any_value(converted) AS converted,
    least(count(*) FILTER (WHERE type = 'page_view' AND path LIKE '/blog%' AND dwell >= 30000), 5) * 2
    + least(count(*) FILTER (WHERE type = 'page_view' AND path LIKE '/docs%' AND dwell >= 20000), 5) * 3
    + least(count(*) FILTER (WHERE type = 'form_submit' AND form = 'newsletter'), 1) * 8
    - least(count(*) FILTER (WHERE type = 'page_view' AND path LIKE '/careers%'), 1) * 10
    - least(count(*) FILTER (WHERE type = 'page_view' AND path LIKE '/careers%' AND dwell >= 60000), 1) * 10
      AS engagement,
    least(count(*) FILTER (WHERE type = 'page_view' AND (path LIKE '/pricing%' OR path LIKE '/plans/%') AND dwell >= 10000), 3) * 12
    + least(count(*) FILTER (WHERE type = 'page_view' AND path LIKE '/security%' AND dwell >= 15000), 2) * 8
    + least(count(*) FILTER (WHERE type = 'page_view' AND path LIKE '/integrations%' AND dwell >= 10000), 3) * 4
    + least(count(*) FILTER (WHERE type = 'page_view' AND path = '/demo'), 2) * 5
    + least(count(*) FILTER (WHERE type = 'form_start' AND form = 'demo-request'), 1) * 5
    - least(count(*) FILTER (WHERE type = 'form_abandon' AND form = 'demo-request'), 1) * 5
    + least(count(*) FILTER (WHERE type = 'form_submit' AND lower(form) LIKE 'demo%'), 1) * 30
      AS intent,
    arg_max(seniority, ts) FILTER (WHERE type = 'identify' AND seniority IS NOT NULL) AS seniority,
    arg_max(size, ts) FILTER (WHERE type = 'identify' AND size IS NOT NULL) AS size,
    arg_max(email, ts) FILTER (WHERE type = 'identify' AND email IS NOT NULL) AS email
  FROM j WHERE ts <= judged_at GROUP BY visitor
),
scored AS (
  SELECT converted,
    greatest(-50, least(50,
        CASE WHEN seniority IN ('vp', 'c_level') THEN 20 WHEN seniority = 'director' THEN 12
             WHEN seniority = 'manager' THEN 6 ELSE 0 END
      + CASE WHEN size IN ('51-200', '201-1000') THEN 15 WHEN size = '1000+' THEN 12
             WHEN size = '11-50' THEN 5 WHEN size = '1-10' THEN -10 ELSE 0 END
      + CASE WHEN email = 'corporate' THEN 5 WHEN email = 'free' THEN -15 ELSE 0 END))
    + greatest(-30, least(30, engagement)) + greatest(0, least(60, intent)) AS score
  FROM per
)
SELECT CASE WHEN score >= 70 THEN 'hot' WHEN score >= 40 THEN 'warm'
            WHEN score >= 15 THEN 'nurture' ELSE 'cold' END AS band,
       count(*) AS visitors, count(*) FILTER (WHERE converted) AS conversions
FROM scored GROUP BY band ORDER BY min(score) DESC;
