--
-- PostgreSQL database dump
--

\restrict A2lG678yxSUT7b63kDDwJm8buHn4utnAbVT8Pv6RnzjYjEHMIwyW9cXZeFlW5Pe

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: alert_baselines; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alert_baselines (
    rule_id character varying(64) NOT NULL,
    signature character varying(200) NOT NULL,
    lo double precision NOT NULL,
    hi double precision NOT NULL,
    data text NOT NULL
);


--
-- Name: alert_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alert_state (
    rule_id character varying(64) NOT NULL,
    key character varying(320) NOT NULL,
    active boolean NOT NULL,
    started double precision,
    ended double precision,
    evaluated double precision NOT NULL,
    value double precision,
    times_fired integer NOT NULL,
    payload text
);


--
-- Name: bounce_messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bounce_messages (
    digest character varying(64) NOT NULL,
    source text NOT NULL,
    format character varying(40) NOT NULL,
    kind character varying(16) NOT NULL,
    subject text,
    sender text,
    date double precision,
    message_id text,
    queue_id character varying(64),
    orig_message_id text,
    orig_subject text,
    orig_sender text,
    orig_to text,
    orig_date double precision,
    verp_recipient text,
    tracking text NOT NULL,
    ingested double precision NOT NULL
);


--
-- Name: bounce_recipients; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bounce_recipients (
    digest character varying(64) NOT NULL,
    idx integer NOT NULL,
    recipient character varying(512) NOT NULL,
    recipient_lc character varying(512) NOT NULL,
    original_recipient text,
    dsn_action character varying(16),
    status character varying(16),
    diagnostic text,
    diagnostic_type character varying(32),
    remote_mta text,
    reporting_mta text,
    last_attempt double precision,
    feedback_type character varying(32),
    reply_code integer,
    enhanced_status character varying(16),
    reply_text text,
    reply_class character varying(16) NOT NULL,
    reason character varying(40) NOT NULL,
    hard_bounce boolean NOT NULL,
    action character varying(40) NOT NULL,
    explanation text NOT NULL,
    provider character varying(40),
    phase character varying(16),
    suspected_filtering boolean NOT NULL,
    filtering_explanation text
);


--
-- Name: check_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.check_runs (
    run_id character varying(24) NOT NULL,
    domain character varying(255) NOT NULL,
    ip character varying(64),
    created double precision NOT NULL,
    score integer,
    complete boolean NOT NULL,
    result text NOT NULL
);


--
-- Name: dmarc_failures; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dmarc_failures (
    key character varying(64) NOT NULL,
    reporter character varying(255) NOT NULL,
    arrival double precision,
    source_ip character varying(64) NOT NULL,
    domain character varying(255) NOT NULL,
    auth_failure character varying(64) NOT NULL,
    identity_alignment character varying(64) NOT NULL,
    delivery_result character varying(64) NOT NULL,
    mail_from character varying(255) NOT NULL,
    rcpt_to character varying(255) NOT NULL,
    dkim_domain character varying(255) NOT NULL,
    dkim_selector character varying(255) NOT NULL,
    header_from character varying(255) NOT NULL,
    subject text NOT NULL,
    fields text NOT NULL,
    source text NOT NULL,
    ingested double precision NOT NULL
);


--
-- Name: dmarc_reports; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dmarc_reports (
    key character varying(64) NOT NULL,
    org_name character varying(255) NOT NULL,
    report_id character varying(255) NOT NULL,
    email character varying(255),
    domain character varying(255) NOT NULL,
    date_begin double precision NOT NULL,
    date_end double precision NOT NULL,
    policy text NOT NULL,
    messages integer NOT NULL,
    problems text NOT NULL,
    source text NOT NULL,
    ingested double precision NOT NULL
);


--
-- Name: dmarc_rows; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dmarc_rows (
    key character varying(64) NOT NULL,
    idx integer NOT NULL,
    source_ip character varying(64) NOT NULL,
    count integer NOT NULL,
    disposition character varying(32) NOT NULL,
    dkim character varying(16) NOT NULL,
    spf character varying(16) NOT NULL,
    header_from character varying(255) NOT NULL,
    envelope_from character varying(255) NOT NULL,
    reasons text NOT NULL,
    auth text NOT NULL
);


--
-- Name: esp_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.esp_events (
    provider character varying(16) NOT NULL,
    event_id character varying(200) NOT NULL,
    mkey character varying(320) NOT NULL,
    kind character varying(16) NOT NULL,
    provider_event character varying(64),
    "time" double precision NOT NULL,
    recipient character varying(512) NOT NULL,
    rcpt_domain character varying(255),
    provider_message_id character varying(200),
    message_id text,
    sender text,
    subject text,
    reply text,
    enhanced_status character varying(16),
    relay_host character varying(255),
    relay_ip character varying(64),
    bounce_type character varying(120),
    hard_bounce boolean,
    reason character varying(40),
    received_at double precision NOT NULL,
    raw text NOT NULL
);


--
-- Name: esp_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.esp_tokens (
    provider character varying(16) NOT NULL,
    token character varying(200) NOT NULL,
    seen double precision NOT NULL
);


--
-- Name: inboxtrace_meta; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.inboxtrace_meta (
    key character varying(64) NOT NULL,
    value character varying(255) NOT NULL
);


--
-- Name: log_deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.log_deliveries (
    mkey character varying(320) NOT NULL,
    recipient character varying(512) NOT NULL,
    original_recipient text,
    rcpt_domain character varying(255),
    final_state character varying(16) NOT NULL,
    first_time double precision,
    last_time double precision,
    day character varying(10),
    status character varying(32),
    reply text,
    dsn character varying(16),
    relay_host character varying(255),
    reason character varying(40),
    hard_bounce boolean,
    provider character varying(40),
    dsn_queue_id character varying(64),
    remote_queue_id character varying(64),
    n_attempts integer NOT NULL,
    attempts text NOT NULL
);


--
-- Name: log_messages; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.log_messages (
    mkey character varying(320) NOT NULL,
    mta character varying(16) NOT NULL,
    host character varying(255) NOT NULL,
    queue_id character varying(64) NOT NULL,
    received double precision,
    completed double precision,
    first_time double precision,
    last_time double precision,
    sender text,
    message_id text,
    size bigint,
    nrcpt integer,
    client_host text,
    client_ip character varying(64),
    dsn_of character varying(64),
    next_hops text,
    source text,
    facts text
);


--
-- Name: log_sources; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.log_sources (
    key character varying(128) NOT NULL,
    path text NOT NULL,
    "position" bigint NOT NULL,
    line_no bigint NOT NULL,
    size bigint,
    complete boolean NOT NULL,
    updated double precision NOT NULL
);


--
-- Name: placement_results; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.placement_results (
    test_id character varying(64) NOT NULL,
    address character varying(320) NOT NULL,
    provider character varying(128) NOT NULL,
    placement character varying(300) NOT NULL,
    folder text,
    arrived double precision,
    delay double precision,
    checked_at double precision,
    auth text,
    received text,
    message_id text,
    error text
);


--
-- Name: placement_sends; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.placement_sends (
    test_id character varying(64) NOT NULL,
    address character varying(320) NOT NULL,
    accepted boolean NOT NULL,
    code integer,
    reply text NOT NULL,
    sent_at double precision NOT NULL,
    queue_id character varying(128),
    message_id text,
    transcript text NOT NULL
);


--
-- Name: placement_tests; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.placement_tests (
    test_id character varying(64) NOT NULL,
    token character varying(128) NOT NULL,
    header character varying(128) NOT NULL,
    created double precision NOT NULL,
    sent_at double precision,
    seed_file text,
    note text,
    seeds text
);


--
-- Name: tlsrpt_failures; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlsrpt_failures (
    key character varying(64) NOT NULL,
    policy_idx integer NOT NULL,
    idx integer NOT NULL,
    result_type character varying(64) NOT NULL,
    sessions integer NOT NULL,
    sending_mta_ip character varying(64) NOT NULL,
    receiving_mx character varying(255) NOT NULL,
    receiving_ip character varying(64) NOT NULL,
    reason_code character varying(255) NOT NULL,
    info text NOT NULL
);


--
-- Name: tlsrpt_policies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlsrpt_policies (
    key character varying(64) NOT NULL,
    idx integer NOT NULL,
    policy_type character varying(32) NOT NULL,
    policy_domain character varying(255) NOT NULL,
    mx_hosts text NOT NULL,
    successful integer NOT NULL,
    failed integer NOT NULL
);


--
-- Name: tlsrpt_reports; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlsrpt_reports (
    key character varying(64) NOT NULL,
    org_name character varying(255) NOT NULL,
    report_id character varying(255) NOT NULL,
    contact character varying(255) NOT NULL,
    date_begin double precision NOT NULL,
    date_end double precision NOT NULL,
    source text NOT NULL,
    ingested double precision NOT NULL
);


--
-- Name: web_sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.web_sessions (
    digest character varying(64) NOT NULL,
    subject character varying(160) NOT NULL,
    scope character varying(8) NOT NULL,
    expires double precision NOT NULL
);


--
-- Name: web_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.web_tokens (
    token_id character varying(16) NOT NULL,
    digest character varying(64) NOT NULL,
    scope character varying(8) NOT NULL,
    name character varying(128),
    created double precision NOT NULL,
    revoked boolean NOT NULL
);


--
-- Name: web_users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.web_users (
    username character varying(128) NOT NULL,
    password_hash character varying(255) NOT NULL,
    scope character varying(8) NOT NULL,
    created double precision NOT NULL
);


--
-- Data for Name: alert_baselines; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.alert_baselines VALUES ('bounce-rate', 'bounce_rate|all|604800', 1795985383.0889223, 1796590183.0889223, '{}');
INSERT INTO public.alert_baselines VALUES ('hard-bounce-rate', 'hard_bounce_rate|all|604800', 1795985383.0889223, 1796590183.0889223, '{}');
INSERT INTO public.alert_baselines VALUES ('provider-refusing', 'bounce_rate|provider|604800', 1795985383.0889223, 1796590183.0889223, '{}');
INSERT INTO public.alert_baselines VALUES ('sender-domain-bounce-rate', 'bounce_rate|sender_domain|604800', 1795985383.0889223, 1796590183.0889223, '{}');
INSERT INTO public.alert_baselines VALUES ('provider-throttling', 'throttling|provider|604800', 1795985383.0889223, 1796590183.0889223, '{}');
INSERT INTO public.alert_baselines VALUES ('complaint-rate', 'complaint_rate|all|604800', 1795902583.0889223, 1796507383.0889223, '{}');
INSERT INTO public.alert_baselines VALUES ('complaint-rate-warning', 'complaint_rate|all|604800', 1795902583.0889223, 1796507383.0889223, '{}');
INSERT INTO public.alert_baselines VALUES ('new-blocklisting', 'blocklisting|all|604800', 1795985383.0889223, 1796590183.0889223, '{}');


--
-- Data for Name: alert_state; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: bounce_messages; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.bounce_messages VALUES ('5a981c71bee8c6ef8d0b6e0d05714689ce4c4fdcc0f8b04cf98df29ea220e31d', '/tmp/old010/tests/data/corpus/bounces/emails/arf-02.eml', 'arf', 'feedback', 'Fw: Nyaaaaaaaan', 'feedback@arf.mail.yahoo.com', 1367307900, '<00000000000000.00000.smtp@mx8.example.com>', NULL, '<000000000000000000000000.smtp@example.com>', 'Nyaaaaaaaan', 'shironeko@example.com', 'this-local-part-does-not-exist-on-yahoo@yahoo.com', 1367195663, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('606cab352c6a6572721c7401b4cb174ee6ceddd0d5c0867372e7180f43b8e501', '/tmp/old010/tests/data/corpus/bounces/emails/arf-14.eml', 'arf', 'feedback', 'Fw: Nyaan', 'complaints@email-abuse.amazonses.com', 1493508885, '<222222222222eeee-22222222-2222-2222-2222-2222222222222222222@email.amazonses.com>', NULL, '<2222222222222222-00000000-eeee-eeee-ffff-222222222222-111111@email.amazonses.com>', 'Nyaan', 'kijitora@example.jp', 'kijitora@yahoo.com', 1493508885, NULL, '[["Feedback-ID", "2"]]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('ebe4af983afaa27845bb66d90b2887e0bfde6f026eaeae414cb76d5db57fef30', '/tmp/old010/tests/data/corpus/bounces/emails/arf-15.eml', 'arf', 'feedback', 'Abuse Report', 'feedbackloop@feedback.example.org', 1430350485, '<20150429000000.00000000FF@fbl-02.r.returnpath.example.net>', NULL, '<ffffffffffffffffffffffff00000000@example.net>', 'Nyaan', 'kijitora@example.net', '"undisclosed"', 1430350485, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('04b3914e8639ebe6bd082394e79a93dad442a1f93b296c78a4e6ba56c9afed47', '/tmp/old010/tests/data/corpus/bounces/emails/arf-17.eml', 'arf', 'feedback', 'Spamtraphit by 192.0.2.3 Thu, 29 Apr 2016 23:34:45 +0000 [no-reply]', 'no-reply@example.org', NULL, '000000-FFFFFF-22-ARF', NULL, '<EEEEEEEE-0000-0000-0000-EEEEEEEE2222@example.net>', 'Nyaan', 'sironeko@example.jp', 'kijitora@example.org', 1461998085, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('6a475d89523cae2e81cc4f3ea4bffb75c750fab0d494044d7c0f76ab4ce68c16', '/tmp/old010/tests/data/corpus/bounces/emails/arf-18.eml', 'arf', 'feedback', 'DMARC Forensic report for example.net Mail-From:sironeko@example.org IP:192.0.2.222', 'dmarc-noreply@example.com', 1430350485, '<22.220000.0000.00000200@example.org>', NULL, '<000000002.2222222.1500000000022@example.net>', 'Nyaan', 'sironeko@example.org', 'kijitora@example.org', 1430318085, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('cd5acd5669d38ae2b03ecf4e3cf4f1cbd8632d3ef0f6c1abb31ae2327e60f36b', '/tmp/old010/tests/data/corpus/bounces/emails/arf-19.eml', 'arf', 'feedback', '[dmarc-ietf] DMARC test message', 'abuse@126.example.com', 1430318085, '<NEKO22222.000000.00000@r7038.163.example.com>', NULL, '<000000000.2222222.0000000000002@example.net>', 'Nyaan', 'sironeko@example.net', '<kijitora@example.org>', 1430350485, NULL, '[["X-Original-To", "dmarc@ietf.example.org"]]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('d2837b85da062d9cd5263f340d4e1d39b90ac6ca39e1e303ff04957fda240fcf', '/tmp/old010/tests/data/corpus/bounces/emails/arf-20.eml', 'arf', 'feedback', '[dmarc-ietf] DMARC test message', 'opendmarc-postmaster@example.net', 1430350485, '<20150429233445.0022FFEE0000@example.net>', NULL, '<000000000eee@example.net>', 'Nyaan', 'sironeko@example.net', '<kijitora@example.org>', 1430350485, NULL, '[["X-Original-To", "dmarc-postmaster@ietf.example.com"]]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('69925f45fb2b8978ae882fff43e35065a49bc373e58ad55e9902fa510180b2d3', '/tmp/old010/tests/data/corpus/bounces/emails/arf-21.eml', 'arf', 'feedback', 'Abuse Report', 'feedbackloop@feedback.terra.com', 1430350485, '<20150429233445.4444444440@r1.rr.returnpath.example.net>', NULL, '<00000000000000000000000022222222@example.net>', 'Nyaan', 'sironeko@example.net', '<kijitora@example.org>', 1430350485, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('8e2eed697a6121ffdeea0bc63b83052f155429212380315ac5b3654022400fe6', '/tmp/old010/tests/data/corpus/bounces/emails/arf-23.eml', 'arf', 'feedback', 'complaint about message from 192.0.2.222', 'staff@hotmail.com', 1461972885, '<CAT0-NNE-000000000000000022@CAT0-RRR.example.org>', NULL, '<0000000000fffffffff0000000000000@example.com>', 'Nyaan', 'sironeko@example.com', 'kijitora@example.com', 1461965685, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('95ef1843c8a083b7403d38e1083a2c597c500c93d9aad2badc20abf5f31cda9c', '/tmp/old010/tests/data/corpus/bounces/emails/arf-24.eml', 'arf', 'feedback', 'complaint about message from 192.0.2.222', 'staff@hotmail.com', 1461972885, '<CAT0-NNE-000000000000000022@CAT0-RRR.example.org>', NULL, '<0000000000fffffffff0000000000000@example.com>', 'Nyaan', 'sironeko@example.com', 'kijitora@example.com', 1461965685, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('0eb5b0178a7e9ed31053721a613da48dc5e38328795c17d62c3be69a64f130ca', '/tmp/old010/tests/data/corpus/bounces/emails/arf-25.eml', 'arf', 'feedback', 'Rackspace Abuse Report', 'feedbackloop@rackspacefbl.senderscore.net', 1604169173, '<01xxxx.fbl@bounce.mailstream.senderscore.net>', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('90eeb83762a4306f97089f12e644e5ee6988209294ae2c48c85f550aa5c9ca3c', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-activehunter-01.eml', 'sendmail', 'dsn', 'FAILURE NOTICE : Nyaan', 'MAILER-DAEMON@example.org', 1304087685, NULL, NULL, '<0000000000.00000000000@mx4.example.org>', 'Nyaan', 'shironeko@example.co.jp', 'kijitora@example.org', 1304087685, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('25a7168182752304f80f2ac51270afcfa48595c147f7a122c579832d92d9bc46', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-activehunter-02.eml', 'sendmail', 'dsn', 'FAILURE NOTICE : Nyaan', 'MAILER-DAEMON@example.ed.jp', 1304087685, NULL, NULL, '<0000000000.0000000000000@x2.example.ed.jp>', 'Nyaan', 'shironeko@example.or.jp', 'kijitora@example.ed.jp', 1304087685, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('b18641532fabefe70a8ff45b5ac1b5ef76814d08b2f8d850a0ba8cdd4e317c6c', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amavis-01.eml', 'rfc3464', 'dsn', 'Undeliverable mail, MTA-BLOCKED', 'postmaster@neko1.example.com', 1272551685, '<DSNmDLeZEmP008628@neko1.example.com>', NULL, '<Qdmail.0.0.0e_8ed60e1eb3e559f02254e3437c3110b1@example.net>', 'Nyaan', 'kijitora@example.co.jp', '"Neko" <neko@example.co.jp>', 1272551685, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('8c9e9fdae321296a58c062307e3ff75d54293e695b47ed9d4c88965f830c18f2', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amavis-02.eml', 'rfc3464', 'dsn', 'Undeliverable mail, MTA-BLOCKED', 'postmaster@neko1.example.com', 1304087685, '<DSNwMm0hUDj006097@neko1.example.com>', NULL, '<Qdmail.0.0.0e_9c642ee04972b793b0cd524f85f923cb@example.net>', 'Nyaan', 'nyaan@example.co.jp', 'neko@example.co.jp', 1304087685, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('8e1f76e9aaeef86777df636758062b91540e518b64ea97f2a16644244d67751b', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-02.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@email-bounces.amazonses.com', 1318043806, '<00000132e18869c0-f2f2c897-f15b-11e0-abc0-17dd0736b394-000000@email.amazonses.com>', NULL, '<00000132e188591e-2882d710-aacc-49e9-bfac-5400b02ffb9b-000000@email.amazonses.com>', 'TEST', 'shironeko@example.jp', 'this-local-part-does-not-exist-on-the-server@docomo.ne.jp', 1318043801, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('9eb560d0467e33502c41d4f20e3692240ce4d7228aad36e30d4bddd02fc4c6da', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-05.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@us-west-2.amazonses.com', 1476189538, '<01010157b3c0c752-ee5b6bff-a3a2-42a2-a4ea-7fbeb7b65f30-000000@us-west-2.amazonses.com>', NULL, '<01010157b3c0c026-110cf920-4be1-4c36-87c0-1f48d0cc6639-000000@us-west-2.amazonses.com>', 'neko', 'sironeko@example.jp', 'bounce@simulator.amazonses.com', 1476189536, NULL, '[["Feedback-ID", "1.us-west-2.l/mTI5simBcQTvzdbgZFhsMZPHJ5GOwxD8rCkHvi/2Q=:AmazonSES"]]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('92669f2dd23d6258142665e05796c890f542d41512d9013114c7c8e5eb8354fd', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-06.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@us-west-2.amazonses.com', 1476246328, '<01010157b7235634-fa83b70f-92dd-427c-a1f6-5b16bb2269f7-000000@us-west-2.amazonses.com>', NULL, '<01010157b7234f87-8e1ec8d8-62e9-4e6e-aec7-cdec60e58f48-000000@us-west-2.amazonses.com>', 'neko', 'sironeko@example.jp', 'bounce@simulator.amazonses.com', 1476246327, NULL, '[["Feedback-ID", "1.us-west-2.l/mTI5simBcQTvzdbgZFhsMZPHJ5GOwxD8rCkHvi/2Q=:AmazonSES"]]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('c82d1b179ad945e5c6a3a029aeada74c4307e4f1a6c7cf7646d8eb2bc5d34f5b', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-07.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@us-west-2.amazonses.com', 1476265758, '<01010157b84bcda5-131b6abe-9555-4ce0-969c-157e9416bd86-000000@us-west-2.amazonses.com>', NULL, '<01010157b84bc5a4-2cf4492a-1246-49f9-8a70-ca69d565e746-000000@us-west-2.amazonses.com>', 'neko', 'sironeko@example.jp', '6@neko.nyaan.example.org', 1476265756, NULL, '[["Feedback-ID", "1.us-west-2.l/mTI5simBcQTvzdbgZFhsMZPHJ5GOwxD8rCkHvi/2Q=:AmazonSES"]]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('320f811622e7b9d9fd28bb85aea2efa0a9b2d5bcb4886dc51a817cdb1e028a38', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-08.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@us-west-2.amazonses.com', 1476190958, '<01010157b3d671e7-3eca50af-5e0d-4fea-9127-48ade2309e3d-000000@us-west-2.amazonses.com>', NULL, '<01010157b3d66b47-d620f4e1-14ae-4cad-8005-3fcf2ce695c9-000000@us-west-2.amazonses.com>', 'neko', 'sironeko@example.jp', 'e@neko.nyaan.example.org', 1476190956, NULL, '[["Feedback-ID", "1.us-west-2.l/mTI5simBcQTvzdbgZFhsMZPHJ5GOwxD8rCkHvi/2Q=:AmazonSES"]]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('788343f19c8c8451662fa45b5a2d6240316f9bb562f0b29012aebf18246c1367', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-10.eml', 'amazonses', 'dsn', 'AWS Notification Message', 'no-reply@sns.amazonaws.com', 1477033082, '<01010157e6083e0a-4218bd58-f11a-4bce-b20d-ad670c9a8f4a-000000@us-west-2.amazonses.com>', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('3da5a2fb8fdd555f878a665e67b66a9f33fde63b4446695867f5d2ca5590310d', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-12.eml', 'amazonses', 'dsn', 'AWS Notification Message', 'no-reply@sns.amazonaws.com', 1479902463, '<01010158910f86d3-55c63e10-339d-49fe-bd6c-6d12e6f3a33c-000000@us-west-2.amazonses.com>', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('9674d2d18b70dd5e2e62cf3be6dc0f9c932fb037f70ad7bf608e804eefd490db', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-13.eml', 'amazonses', 'dsn', 'AWS Notification Message', 'no-reply@sns.amazonaws.com', 1480038541, '<01010158992be865-8373ee20-998b-478f-96c0-acc95f6a3672-000000@us-west-2.amazonses.com>', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('286e01b0ef3a1139cf97b872d453a114df0856fba3ccb351f6b787b574386d4b', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-14.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@amazonses.com', 1493508885, '<00000000ffffeeff-a0001200-eeee-f009-c00d-2222feff0000-000000@email.amazonses.com>', NULL, '<ffffffffffffffff-00000000-2222-2222-2222-111111111111-ffffff@email.amazonses.com>', 'Nyaan', 'kijitora@example.com', 'sironeko@neko.example.org', 1493508885, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('f5fcc0d3066c6135b1eb8c3c8cf1f3126c96c6657b881b9941d9f79562ec3d96', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-15.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@amazonses.com', 1461972885, '<20220000000ffee0-0000feff-ee02-202e-eeee-20222222eefe-000000@email.amazonses.com>', NULL, '<2022ddef02022222-efee0022-eef2-2200-aeee-eefe00202222-000000@email.amazonses.com>', 'Nyaan', 'sironeko@example.jp', 'kijitora@neko.example.com', 1461972885, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('54dae5c454f5d20b820ca4928adb3ed92dbbebd1b9900707b72baafe6d71bc3f', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-17.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@amazonses.com', 1493508885, '<2022eeef2200efaa-ffef2022-2022-aaef-ab2e-2022eef2ffee-000000@email.amazonses.com>', NULL, '<20220022eefe0000-20222022-aeef-eefa-eeaf-eefe202200ee-000000@email.amazonses.com>', 'Nyaan', 'sironeko@neko.example.jp', 'kijitora@example.com', 1493508885, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('8870217490dba3c6d6c71bbd58cd52f8d54a751b83102c3976fe3639c916897e', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-20.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@amazonses.com', 1493508885, '<0000000000000000-eeeeeeee-0000-0000-0000-000000000000-000000@email.amazonses.com>', NULL, '<0000000000000000-22222222-eeee-eeee-0000-000000000000-000000@email.amazonses.com>', 'Nyaan', 'sironeko@neko.example.jp', 'kijitora@google.example.com', 1493508885, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('598d0be74d4d7b81dab021f8c17bafcb72829f7811da6e528a3fe154c21b698f', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonses-21.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@amazonses.com', 1493508885, '<0000000000000000-22222222-0000-3333-3333-000000000000-000000@email.amazonses.com>', NULL, '<0000000000000000-22222222-eeee-ffff-ffff-000000000000-000000@email.amazonses.com>', 'Nyaan', 'neko@example.jp', 'kijitora@example.com', 1493508885, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('8be72a543cf627f38df3c550caedaffd53cd46a61ee8e9c645ceb2ee88bc0278', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonworkmail-01.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@us-west-2.amazonses.com', 1452757512, '<000001523f187053-c10da3fb-2737-4bc7-8a98-44d4decbfe6d-000000@us-west-2.amazonses.com>', NULL, '<000001523f1865dd-0dbfd06e-bfce-4637-b049-3318ea42f98a-000000@us-west-2.amazonses.com>', 'Nyaaaaan', 'shironeko@nyaan.example.awsapps.com', 'kijitora@example.jp <kijitora@example.jp>', 1452757509, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('8e69705bc4f1981f90036deec49186076bbca7142b699d5d3e740dd3d022c482', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonworkmail-03.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@us-west-2.amazonses.com', 1452758091, '<000001523f214832-6924af67-e4e6-40c5-915b-7a7f5d32d677-000000@us-west-2.amazonses.com>', NULL, '<000001523f20aeff-9f2bb10f-0500-407a-9f92-3b319a7f6a55-000000@us-west-2.amazonses.com>', 'Nyaaaan', 'shironeko@nyaan.example.awsapps.com', 'sabineko@example.jp <sabineko@example.jp>, kuroneko@example.org <kuroneko@example.org>', 1452758052, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('270b5d62e520ccab77081ed2cc0937ff4ae9d515692ab6cc95abc2819a62a5ba', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonworkmail-04.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@us-west-2.amazonses.com', 1452757533, '<000001523f18c39f-4bf47004-817f-464a-9b4d-aadc9d5507c3-000000@us-west-2.amazonses.com>', NULL, '<000001523f18b812-863c7d93-3107-46d7-a38d-f122f3d94fc2-000000@us-west-2.amazonses.com>', 'Nyaaaan', 'shironeko@nyaan.example.awsapps.com', 'chatoraneko@example.jp <chatoraneko@example.jp>', 1452757530, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('761acd6b08bd1af6d757da1002b20b0ec289ece10fcef076bde4a1e71f30f915', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-amazonworkmail-05.eml', 'amazonses', 'dsn', 'Delivery Status Notification (Failure)', 'MAILER-DAEMON@us-west-2.amazonses.com', 1452808820, '<000001524227567a-9bc0ea94-ed39-415e-a700-8495050e9b7c-000000@us-west-2.amazonses.com>', NULL, '<000001523f19e6f1-bca13d2c-e021-416c-8022-a33901119dd0-000000@us-west-2.amazonses.com>', 'Nyaan', 'shironeko@nyaan.example.awsapps.com', 'sabatora@example.libsisimai.org <sabatora@example.libsisimai.org>', 1452757608, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('451a6c23985999088ac641ac2645197cf3609401871dbc8b4b87bff0ef72e1dc', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-apachejames-01.eml', 'apachejames', 'dsn', 'Re:Test message', 'post_master@vtext.example.com', 1371003713, '<00000000.000000.0000000000000.JavaMail.c@example.com>', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('43bd35e0dbaeb03571f56c019c1902f56606d9a0c1da48278874eab6a25ee8cc', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-barracuda-01.eml', 'rfc3464', 'dsn', '**Message you sent blocked by our bulk email filter**', 'MAILER-DAEMON <>', 1177857285, '<225e2d6aad3309b153ecb1602dd0361b@neko.example.com>', NULL, '<ad4be1052982bf7aa5558be760abbf74@neko.example.com>', 'Nyaan', 'neko@example.org', 'kijitora@example.org', 1177857285, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('9c2c87d7cbe4791b08e6fbaa823a80b8c4d139ec06a90b6011370c76008bd142', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-bigfoot-02.eml', 'sendmail', 'dsn', 'Returned mail: Requested action not taken: mailbox name not allowed', 'MAILER-DAEMON@bigfoot.com', 1430379285, '<20000000_LITEMAIL00_000000_000000_0000@LITEMAIL00.bigfoot.com>', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('85d4d55ca38ece822114841c58595c33722f28eda53e80550d7d2e6f78fd356f', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-biglobe-01.eml', 'generic', 'dsn', 'Returned mail: Service unavailable', 'postmaster@biglobe.ne.jp', 1392044400, '<20140211000000.000000000.00000000@biglobe.ne.jp>', NULL, '<000000000000000000000000000000@example.com>', 'Cats', 'kijitora@mx.example.com', '<postmaster@mxr.biglobe.ne.jp>', 1392076800, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('d6eb8fc6706bbf1a55dc636ca6eb55e22842a417d537e7100de0ab4e91087844', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-courier-01.eml', 'courier', 'dsn', 'NOTICE: mail delivery status.', 'postmaster@example.org', 1292037599, '<courier.4D02EDDF.0000C65A@marutamachi.example.org>', NULL, NULL, NULL, NULL, 'undisclosed-recipients: ;', NULL, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('fd2ba5bbabdc13006e37e750fee9e42bbca157f087834b8a04b505875a65aa30', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-courier-03.eml', 'courier', 'dsn', 'NOTICE: mail delivery status.', 'postmaster@example.org', 1291954881, '<courier.4D01AAC1.0000A42F@1jo.example.org>', NULL, '<201012100421.oBA4LJFU042012@1jo.example.org>', 'Nyaaaaan', 'shironeko@1jo.example.org', 'kijitora@example.jp', 1291954879, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('bcd592f81668e89326604e4709403916aeb3021c82cd7c655a5beac8e86e32ca', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-courier-04.eml', 'courier', 'dsn', 'NOTICE: mail delivery status.', 'postmaster@example.org', 1292000826, '<courier.4D025E3A.00001792@5jo.example.org>', NULL, '<201012101706.oBAH5rXu026630@mx.example.co.jp>', 'test', 'shironeko@example.jp', 'undisclosed-recipients: ;', 1292000753, NULL, '[]', 1796593771.6927557);
INSERT INTO public.bounce_messages VALUES ('f982ec923678c1b82211a1786a14fff1cc4e960a9de05a8d89df0aead738cc0a', '/tmp/old010/tests/data/corpus/bounces/emails/lhost-domino-01.eml', 'exchange', 'dsn', 'DELIVERY FAILURE: User Kijitoranyan (kijitora@example.jp) not listed in Domino Directory', 'Postmaster@example.jp', 1272563641, '<0000000000.000000000-000000000.00000000-00000000.00000000@example.com>', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '[]', 1796593771.6927557);


--
-- Data for Name: bounce_recipients; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.bounce_recipients VALUES ('5a981c71bee8c6ef8d0b6e0d05714689ce4c4fdcc0f8b04cf98df29ea220e31d', 0, 'this-local-part-does-not-exist-on-yahoo@yahoo.com', 'this-local-part-does-not-exist-on-yahoo@yahoo.com', NULL, NULL, NULL, 'abuse', NULL, NULL, NULL, 1367307950, 'abuse', NULL, NULL, 'abuse', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('606cab352c6a6572721c7401b4cb174ee6ceddd0d5c0867372e7180f43b8e501', 0, 'kijitora@y.example.com', 'kijitora@y.example.com', NULL, NULL, NULL, 'abuse', NULL, NULL, NULL, 1493508885, 'abuse', NULL, NULL, 'abuse', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('ebe4af983afaa27845bb66d90b2887e0bfde6f026eaeae414cb76d5db57fef30', 0, 'sironeko@example.com', 'sironeko@example.com', NULL, NULL, NULL, 'abuse', NULL, NULL, NULL, 1430350485, 'abuse', NULL, NULL, 'abuse', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('04b3914e8639ebe6bd082394e79a93dad442a1f93b296c78a4e6ba56c9afed47', 0, 'kijitora@example.com', 'kijitora@example.com', NULL, NULL, NULL, 'abuse', NULL, NULL, NULL, 1461972885, 'abuse', NULL, NULL, 'abuse', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('04b3914e8639ebe6bd082394e79a93dad442a1f93b296c78a4e6ba56c9afed47', 1, 'sabatora@example.net', 'sabatora@example.net', NULL, NULL, NULL, 'abuse', NULL, NULL, NULL, 1461972885, 'abuse', NULL, NULL, 'abuse', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('6a475d89523cae2e81cc4f3ea4bffb75c750fab0d494044d7c0f76ab4ce68c16', 0, 'kijitora@example.com', 'kijitora@example.com', NULL, NULL, NULL, 'auth-failure', NULL, NULL, NULL, 1430350485, 'auth-failure', NULL, NULL, 'auth-failure', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('cd5acd5669d38ae2b03ecf4e3cf4f1cbd8632d3ef0f6c1abb31ae2327e60f36b', 0, 'kijitora@example.org', 'kijitora@example.org', NULL, NULL, NULL, 'auth-failure', NULL, NULL, NULL, 1430318085, 'auth-failure', NULL, NULL, 'auth-failure', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('d2837b85da062d9cd5263f340d4e1d39b90ac6ca39e1e303ff04957fda240fcf', 0, 'kijitora@example.org', 'kijitora@example.org', NULL, NULL, NULL, 'auth-failure', NULL, NULL, NULL, NULL, 'auth-failure', NULL, NULL, 'auth-failure', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('69925f45fb2b8978ae882fff43e35065a49bc373e58ad55e9902fa510180b2d3', 0, 'kijitora@example.org', 'kijitora@example.org', NULL, NULL, NULL, 'abuse', NULL, NULL, NULL, 1430350485, 'abuse', NULL, NULL, 'abuse', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('8e2eed697a6121ffdeea0bc63b83052f155429212380315ac5b3654022400fe6', 0, 'kijitora@example.com', 'kijitora@example.com', NULL, NULL, NULL, '', NULL, NULL, NULL, NULL, 'abuse', NULL, NULL, '', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('95ef1843c8a083b7403d38e1083a2c597c500c93d9aad2badc20abf5f31cda9c', 0, 'kijitora@example.com', 'kijitora@example.com', NULL, NULL, NULL, '', NULL, NULL, NULL, NULL, 'abuse', NULL, NULL, '', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('0eb5b0178a7e9ed31053721a613da48dc5e38328795c17d62c3be69a64f130ca', 0, 'hashed@example.com', 'hashed@example.com', NULL, NULL, NULL, 'abuse', NULL, NULL, NULL, 1604167377, 'abuse', NULL, NULL, 'abuse', 'permanent', 'feedback', false, 'suppress-address', 'A recipient reported your message as spam through a feedback loop.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('90eeb83762a4306f97089f12e644e5ee6988209294ae2c48c85f550aa5c9ca3c', 0, 'kijitora@example.org', 'kijitora@example.org', NULL, NULL, NULL, 'kijitora@example.org <kijitora@example.org> ----- Transcript of session follows ----- 550 sorry, no mailbox here by that name (#5.1.1 - chkusr)', NULL, NULL, NULL, NULL, NULL, NULL, '5.1.1', 'kijitora@example.org <kijitora@example.org> ----- Transcript of session follows ----- 550 sorry, no mailbox here by that name (#5.1.1 - chkusr)', 'permanent', 'userunknown', true, 'suppress-address', 'The recipient address does not exist at the receiving server. Remove the address from your list: further sends will bounce and hurt your reputation.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('25a7168182752304f80f2ac51270afcfa48595c147f7a122c579832d92d9bc46', 0, 'kijitora@example.ed.jp', 'kijitora@example.ed.jp', NULL, NULL, NULL, 'kijitora@example.ed.jp <kijitora@example.ed.jp> ----- Transcript of session follows ----- 550 <kijitora@example.ed.jp>: Recipient address rejected: User unknown in local recipient table', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'kijitora@example.ed.jp <kijitora@example.ed.jp> ----- Transcript of session follows ----- 550 <kijitora@example.ed.jp>: Recipient address rejected: User unknown in local recipient table', 'permanent', 'filtered', false, 'check-content', 'A content or recipient filter at the receiver refused the message.', NULL, 'rcpt-to', false, NULL);
INSERT INTO public.bounce_recipients VALUES ('b18641532fabefe70a8ff45b5ac1b5ef76814d08b2f8d850a0ba8cdd4e317c6c', 0, 'neko@example.co.jp', 'neko@example.co.jp', 'neko@example.co.jp', 'failed', '5.1.1', '550 5.1.1 <neko@example.co.jp>: Recipient address rejected: User unknown in virtual mailbox table', 'smtp', '127.0.0.1', 'neko1.example.com', 1272551685, NULL, 550, '5.1.1', '<neko@example.co.jp>: Recipient address rejected: User unknown in virtual mailbox table', 'permanent', 'userunknown', true, 'suppress-address', 'The recipient address does not exist at the receiving server. Remove the address from your list: further sends will bounce and hurt your reputation.', NULL, 'rcpt-to', false, NULL);
INSERT INTO public.bounce_recipients VALUES ('8c9e9fdae321296a58c062307e3ff75d54293e695b47ed9d4c88965f830c18f2', 0, 'neko@example.co.jp', 'neko@example.co.jp', 'neko@example.co.jp', 'failed', '5.1.1', '550 5.1.1 <neko@example.co.jp>: Recipient address rejected: User unknown in virtual mailbox table', 'smtp', '127.0.0.1', 'neko1.example.com', 1304087685, NULL, 550, '5.1.1', '<neko@example.co.jp>: Recipient address rejected: User unknown in virtual mailbox table', 'permanent', 'userunknown', true, 'suppress-address', 'The recipient address does not exist at the receiving server. Remove the address from your list: further sends will bounce and hurt your reputation.', NULL, 'rcpt-to', false, NULL);
INSERT INTO public.bounce_recipients VALUES ('8e1f76e9aaeef86777df636758062b91540e518b64ea97f2a16644244d67751b', 0, 'this-local-part-does-not-exist-on-the-server@docomo.ne.jp', 'this-local-part-does-not-exist-on-the-server@docomo.ne.jp', NULL, 'failed', '5.0.0', '5.3.0 - Other mail system problem 550-''Unknown user this-local-part-does-not-exist-on-the-server@docomo.ne.jp'' (delivery attempts: 0)', 'smtp', '[203.138.181.240]', 'a192-79.smtp-out.amazonses.com', NULL, NULL, NULL, '5.3.0', '- Other mail system problem 550-''Unknown user this-local-part-does-not-exist-on-the-server@docomo.ne.jp'' (delivery attempts: 0)', 'permanent', 'filtered', false, 'check-content', 'A content or recipient filter at the receiver refused the message.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('9eb560d0467e33502c41d4f20e3692240ce4d7228aad36e30d4bddd02fc4c6da', 0, 'bounce@simulator.amazonses.com', 'bounce@simulator.amazonses.com', NULL, 'failed', '5.1.1', '550 5.1.1 user unknown', 'smtp', NULL, 'a27-33.smtp-out.us-west-2.amazonses.com', NULL, NULL, 550, '5.1.1', 'user unknown', 'permanent', 'userunknown', true, 'suppress-address', 'The recipient address does not exist at the receiving server. Remove the address from your list: further sends will bounce and hurt your reputation.', 'amazonses', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('92669f2dd23d6258142665e05796c890f542d41512d9013114c7c8e5eb8354fd', 0, 'bounce@simulator.amazonses.com', 'bounce@simulator.amazonses.com', NULL, 'failed', '5.1.1', '550 5.1.1 user unknown', 'smtp', NULL, 'a27-30.smtp-out.us-west-2.amazonses.com', NULL, NULL, 550, '5.1.1', 'user unknown', 'permanent', 'userunknown', true, 'suppress-address', 'The recipient address does not exist at the receiving server. Remove the address from your list: further sends will bounce and hurt your reputation.', 'amazonses', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('c82d1b179ad945e5c6a3a029aeada74c4307e4f1a6c7cf7646d8eb2bc5d34f5b', 0, '6@neko.nyaan.example.org', '6@neko.nyaan.example.org', NULL, 'failed', '5.7.6', '550 5.7.6 Failed to delivery', 'smtp', NULL, 'a27-29.smtp-out.us-west-2.amazonses.com', NULL, NULL, 550, '5.7.6', 'Failed to delivery', 'permanent', 'securityerror', false, 'contact-receiver', 'The receiver refused the message for a security reason. Contact the receiving domain''s postmaster with the full reply text; nothing in your mail flow alone will change this.', 'amazonses', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('320f811622e7b9d9fd28bb85aea2efa0a9b2d5bcb4886dc51a817cdb1e028a38', 0, 'e@neko.nyaan.example.org', 'e@neko.nyaan.example.org', NULL, 'failed', '5.7.9', '550 5.7.9 Rejected', 'smtp', NULL, 'a27-23.smtp-out.us-west-2.amazonses.com', NULL, NULL, 550, '5.7.9', 'Rejected', 'permanent', 'securityerror', false, 'contact-receiver', 'The receiver refused the message for a security reason. Contact the receiving domain''s postmaster with the full reply text; nothing in your mail flow alone will change this.', 'amazonses', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('788343f19c8c8451662fa45b5a2d6240316f9bb562f0b29012aebf18246c1367', 0, 'bounce@simulator.amazonses.com', 'bounce@simulator.amazonses.com', NULL, 'failed', '5.1.1', '550 5.1.1 user unknown', 'smtp', NULL, 'a27-33.smtp-out.us-west-2.amazonses.com', NULL, NULL, 550, '5.1.1', 'user unknown', 'permanent', 'userunknown', true, 'suppress-address', 'The recipient address does not exist at the receiving server. Remove the address from your list: further sends will bounce and hurt your reputation.', 'amazonses', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('3da5a2fb8fdd555f878a665e67b66a9f33fde63b4446695867f5d2ca5590310d', 0, 'success@simulator.amazonses.com', 'success@simulator.amazonses.com', NULL, 'delivered', NULL, '250 2.6.0 Message received', NULL, NULL, 'a27-29.smtp-out.us-west-2.amazonses.com', NULL, NULL, 250, '2.6.0', 'Message received', 'success', 'delivered', false, 'none', 'The next server accepted the message after DATA and queued it: that is a hand-over, not inbox placement — it can still be filtered to spam, quarantined or bounced later.', 'amazonses', 'end-of-data', false, NULL);
INSERT INTO public.bounce_recipients VALUES ('9674d2d18b70dd5e2e62cf3be6dc0f9c932fb037f70ad7bf608e804eefd490db', 0, 'complaint@simulator.amazonses.com', 'complaint@simulator.amazonses.com', NULL, 'delivered', NULL, '250 2.6.0 Message received', NULL, NULL, 'a27-33.smtp-out.us-west-2.amazonses.com', NULL, NULL, 250, '2.6.0', 'Message received', 'success', 'delivered', false, 'none', 'The next server accepted the message after DATA and queued it: that is a hand-over, not inbox placement — it can still be filtered to spam, quarantined or bounced later.', 'amazonses', 'end-of-data', false, NULL);
INSERT INTO public.bounce_recipients VALUES ('286e01b0ef3a1139cf97b872d453a114df0856fba3ccb351f6b787b574386d4b', 0, 'sironeko@neko.example.org', 'sironeko@neko.example.org', NULL, 'failed', '5.7.1', '554 5.7.1 <a8-95.smtp-out.amazonses.com[203.0.113.22]>: Client host rejected: blocked using mail.neko.example.org; Please see http://mail.neko.example.org/rbl/?ip=203.0.113.22 to send.', 'smtp', NULL, 'a8-95.smtp-out.amazonses.com', NULL, NULL, 554, '5.7.1', '<a8-95.smtp-out.amazonses.com[203.0.113.22]>: Client host rejected: blocked using mail.neko.example.org; Please see http://mail.neko.example.org/rbl/?ip=203.0.113.22 to send.', 'permanent', 'blocked', false, 'check-blocklists', 'The receiver refused your sending IP address or host, usually because of a blocklist listing. Look up your sending IP and domain on the blocklists, fix the cause, and request delisting.', 'amazonses', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('f5fcc0d3066c6135b1eb8c3c8cf1f3126c96c6657b881b9941d9f79562ec3d96', 0, 'kijitora@neko.example.com', 'kijitora@neko.example.com', NULL, 'failed', '5.7.1', '554 5.7.1 <e22-33.smtp-out.amazonses.com[192.0.2.127]>: Client host rejected: blocked using mail.neko.example.com; Please see http://mail.neko.example.com/rbl/?ip=192.0.2.127 to send.', 'smtp', NULL, 'e22-33.smtp-out.amazonses.com', NULL, NULL, 554, '5.7.1', '<e22-33.smtp-out.amazonses.com[192.0.2.127]>: Client host rejected: blocked using mail.neko.example.com; Please see http://mail.neko.example.com/rbl/?ip=192.0.2.127 to send.', 'permanent', 'blocked', false, 'check-blocklists', 'The receiver refused your sending IP address or host, usually because of a blocklist listing. Look up your sending IP and domain on the blocklists, fix the cause, and request delisting.', 'amazonses', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('54dae5c454f5d20b820ca4928adb3ed92dbbebd1b9900707b72baafe6d71bc3f', 0, 'kijitora@example.com', 'kijitora@example.com', NULL, 'failed', '4.4.7', '554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>', 'smtp', NULL, 'e2-22.smtp-out.amazonses.com', NULL, NULL, 554, '5.4.7', 'Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>', 'permanent', 'expired', false, 'check-destination', 'Your server kept retrying until the message''s queue lifetime ran out, then gave up. Check the recipient''s domain and servers: they did not accept the message for the whole retry period.', 'amazonses', 'connect', false, NULL);
INSERT INTO public.bounce_recipients VALUES ('8870217490dba3c6d6c71bbd58cd52f8d54a751b83102c3976fe3639c916897e', 0, 'kijitora@google.example.com', 'kijitora@google.example.com', NULL, 'failed', '5.2.1', '550-5.2.1 The email account that you tried to reach is disabled. Learn more at 550 5.2.1 https://support.google.com/mail/?p=DisabledUser 000000000000eee.000 - gsmtp', 'smtp', NULL, 'e2-22.smtp-out.amazonses.com', NULL, NULL, 550, '5.2.1', 'The email account that you tried to reach is disabled. Learn more at https://support.google.com/mail/?p=DisabledUser 000000000000eee.000 - gsmtp kijitora@google.example.com An error occurred while trying to deliver the mail to the following recipients:', 'permanent', 'suspend', false, 'suppress-address', 'The Gmail account is disabled or inactive. Remove the address from your list: further sends will bounce and hurt your reputation.', 'gmail', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('598d0be74d4d7b81dab021f8c17bafcb72829f7811da6e528a3fe154c21b698f', 0, 'kijitora@example.com', 'kijitora@example.com', NULL, 'failed', '5.7.1', '554 5.7.1 <kijitora@example.com>: Relay access denied', 'smtp', NULL, 'e2-22.smtp-out.amazonses.com', NULL, NULL, 554, '5.7.1', '<kijitora@example.com>: Relay access denied', 'permanent', 'norelaying', false, 'fix-routing', 'The server refused to relay the message: it is not responsible for the recipient''s domain. Check where your server sends this mail (MX records, relayhost, transport maps) and relay only through a server that accepts it for you.', 'amazonses', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('8be72a543cf627f38df3c550caedaffd53cd46a61ee8e9c645ceb2ee88bc0278', 0, 'kijitora@example.jp', 'kijitora@example.jp', NULL, 'failed', '5.1.1', '550 5.1.1 <kijitora@example.jp>... User Unknown', 'smtp', NULL, 'a27-85.smtp-out.us-west-2.amazonses.com', NULL, NULL, 550, '5.1.1', '<kijitora@example.jp>... User Unknown', 'permanent', 'userunknown', true, 'suppress-address', 'The recipient address does not exist at the receiving server. Remove the address from your list: further sends will bounce and hurt your reputation.', 'amazonses', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('8e69705bc4f1981f90036deec49186076bbca7142b699d5d3e740dd3d022c482', 0, 'kuroneko@example.org', 'kuroneko@example.org', NULL, 'failed', '5.3.5', '550 5.3.5 <kuroneko@example.org>... Internal System Error', 'smtp', NULL, 'a27-80.smtp-out.us-west-2.amazonses.com', NULL, NULL, 550, '5.3.5', '<kuroneko@example.org>... Internal System Error', 'permanent', 'systemerror', false, 'retry', 'The receiving server had an internal or temporary problem. Nothing to do now: your server retries; if the failure lasts for days, stop sending to the address.', 'amazonses', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('270b5d62e520ccab77081ed2cc0937ff4ae9d515692ab6cc95abc2819a62a5ba', 0, 'chatoraneko@example.jp', 'chatoraneko@example.jp', NULL, 'failed', '5.2.2', '550 5.2.2 <chatoraneko@example.jp>... Mailbox Full', 'smtp', NULL, 'a27-159.smtp-out.us-west-2.amazonses.com', NULL, NULL, 550, '5.2.2', '<chatoraneko@example.jp>... Mailbox Full', 'permanent', 'mailboxfull', false, 'retry', 'The recipient''s mailbox is full. Nothing to do now: your server retries; if the failure lasts for days, stop sending to the address.', 'amazonses', NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('761acd6b08bd1af6d757da1002b20b0ec289ece10fcef076bde4a1e71f30f915', 0, 'sabatora@example.libsisimai.org', 'sabatora@example.libsisimai.org', NULL, 'failed', '4.4.7', '554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>', 'smtp', NULL, 'a27-130.smtp-out.us-west-2.amazonses.com', NULL, NULL, 554, '5.4.7', 'Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>', 'permanent', 'expired', false, 'check-destination', 'Your server kept retrying until the message''s queue lifetime ran out, then gave up. Check the recipient''s domain and servers: they did not accept the message for the whole retry period.', 'amazonses', 'connect', false, NULL);
INSERT INTO public.bounce_recipients VALUES ('451a6c23985999088ac641ac2645197cf3609401871dbc8b4b87bff0ef72e1dc', 0, '000000000000@vtext.example.com', '000000000000@vtext.example.com', NULL, NULL, NULL, 'RCPT TO: 000000000000@vtext.example.com Size (in bytes): 39 Number of lines: 2 ------=_Part_000001_0000000.000000000000--', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'RCPT TO: 000000000000@vtext.example.com Size (in bytes): 39 Number of lines: 2 ------=_Part_000001_0000000.000000000000-- boundary="----=_Part_000001_0000000.000000000000" ------=_Part_000001_0000000.000000000000 Content-Type: text/plain; charset=us-ascii Content-Transfer-Encoding: 7bit Content-Disposition: inline Error: Invalid user address Error message below: 550 - Requested action not taken: no such user here Message details: Sent date: Wed Jun 12 02:21:53 GMT 2013 MAIL FROM: kijitora@example.com', 'permanent', 'filtered', false, 'check-content', 'A content or recipient filter at the receiver refused the message.', NULL, 'rcpt-to', false, NULL);
INSERT INTO public.bounce_recipients VALUES ('43bd35e0dbaeb03571f56c019c1902f56606d9a0c1da48278874eab6a25ee8cc', 0, 'kijitora@example.org', 'kijitora@example.org', NULL, 'failed', '5.7.1', '550 5.7.1 Message content rejected, UBE, id=00000-22-225', 'smtp', NULL, 'barracuda.cat.example.jp', 1177857285, NULL, 550, '5.7.1', 'Message content rejected, UBE, id=00000-22-225', 'permanent', 'spamdetected', false, 'check-content', 'The receiver''s spam filter judged the message to be spam. Review the message content, links and attachments and how recipients engage with it, then test again.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('9c2c87d7cbe4791b08e6fbaa823a80b8c4d139ec06a90b6011370c76008bd142', 0, 'kijitora@example.org', 'kijitora@example.org', NULL, 'failed', '5.7.1', '553 Invalid recipient kijitora@example.org (Mode: normal)', 'smtp', 'neko22.mx.example.org', 'litemail00.bigfoot.com', 1430379285, NULL, 553, '5.7.1', 'Invalid recipient kijitora@example.org (Mode: normal)', 'permanent', 'userunknown', true, 'suppress-address', 'The recipient address does not exist at the receiving server. The code 5.7.1 says “Delivery not authorized, message refused”, but the reply text says otherwise, and the text wins.', NULL, 'rcpt-to', false, NULL);
INSERT INTO public.bounce_recipients VALUES ('85d4d55ca38ece822114841c58595c33722f28eda53e80550d7d2e6f78fd356f', 0, 'postmaster@mxr.biglobe.ne.jp', 'postmaster@mxr.biglobe.ne.jp', NULL, NULL, NULL, 'postmaster@mxr.biglobe.ne.jp ----- Non-delivered information ----- The number of messages in recipient''s mailbox exceeded the local limit.', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'postmaster@mxr.biglobe.ne.jp ----- Non-delivered information ----- The number of messages in recipient''s mailbox exceeded the local limit.', 'permanent', 'mailboxfull', false, 'retry', 'The recipient''s mailbox is full. Nothing to do now: your server retries; if the failure lasts for days, stop sending to the address.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('d6eb8fc6706bbf1a55dc636ca6eb55e22842a417d537e7100de0ab4e91087844', 0, 'kijitora@example.co.jp', 'kijitora@example.co.jp', NULL, 'failed', '5.0.0', '550 5.1.1 <kijitora@example.co.jp>... User Unknown', 'smtp', 'mx.example.co.jp [192.0.2.95]', 'marutamachi.example.org', 1292037597, NULL, 550, '5.1.1', '<kijitora@example.co.jp>... User Unknown', 'permanent', 'userunknown', true, 'suppress-address', 'The recipient address does not exist at the receiving server. Remove the address from your list: further sends will bounce and hurt your reputation.', NULL, 'rcpt-to', false, NULL);
INSERT INTO public.bounce_recipients VALUES ('fd2ba5bbabdc13006e37e750fee9e42bbca157f087834b8a04b505875a65aa30', 0, 'kijitora@example.jp', 'kijitora@example.jp', NULL, 'failed', '5.0.0', '550 5.7.1 can''t determine Purported Responsible Address', 'smtp', 'mfsmax.example.jp [203.138.181.112]', '1jo.example.org', 1291954879, NULL, 550, '5.7.1', 'can''t determine Purported Responsible Address', 'permanent', 'rejected', false, 'fix-sender-address', 'The receiver refused the envelope sender (MAIL FROM) address or its domain. Use an envelope sender address on a domain that exists and that you are allowed to send for.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('bcd592f81668e89326604e4709403916aeb3021c82cd7c655a5beac8e86e32ca', 0, 'kijitora@example.cat', 'kijitora@example.cat', NULL, 'failed', '5.0.0', 'No such domain.', 'unknown', NULL, '5jo.example.org', 1292000826, NULL, NULL, '5.0.0', 'unknown; No such domain.', 'permanent', 'hostunknown', true, 'suppress-address', 'The recipient''s domain does not exist or has no server that accepts mail. Remove the address from your list: further sends will bounce and hurt your reputation.', NULL, NULL, false, NULL);
INSERT INTO public.bounce_recipients VALUES ('f982ec923678c1b82211a1786a14fff1cc4e960a9de05a8d89df0aead738cc0a', 0, 'kijitora@example.jp', 'kijitora@example.jp', NULL, NULL, NULL, 'kijitora@example.jp because: User some.name (kijitora@example.jp) not listed in Domino Directory', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'kijitora@example.jp because: User some.name (kijitora@example.jp) not listed in Domino Directory', 'permanent', 'userunknown', true, 'suppress-address', 'The recipient address does not exist at the receiving server. Remove the address from your list: further sends will bounce and hurt your reputation.', NULL, NULL, false, NULL);


--
-- Data for Name: check_runs; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: dmarc_failures; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: dmarc_reports; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.dmarc_reports VALUES ('6bd99df9d312cb09ea0a0295034ca5d90ff3aa87b027c1c4f93fd23a92e670c2', 'Receiver One', 'rpt-1', 'dmarc@receiver.example', 'example.com', 1796083200, 1796169599, '{"domain": "example.com", "adkim": "r", "aspf": "r", "p": "reject", "sp": "reject", "pct": "100"}', 160, '[]', '', 1796593777.1605182);


--
-- Data for Name: dmarc_rows; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.dmarc_rows VALUES ('6bd99df9d312cb09ea0a0295034ca5d90ff3aa87b027c1c4f93fd23a92e670c2', 0, '203.0.113.10', 120, 'none', 'pass', 'pass', 'example.com', '', '[]', '[["dkim", "example.com", "pass", "s1"], ["spf", "example.com", "pass", "mfrom"]]');
INSERT INTO public.dmarc_rows VALUES ('6bd99df9d312cb09ea0a0295034ca5d90ff3aa87b027c1c4f93fd23a92e670c2', 1, '198.51.100.20', 30, 'none', 'fail', 'fail', 'example.com', '', '[]', '[["dkim", "esp.example", "pass", "s1"], ["spf", "bounce.esp.example", "pass", "mfrom"]]');
INSERT INTO public.dmarc_rows VALUES ('6bd99df9d312cb09ea0a0295034ca5d90ff3aa87b027c1c4f93fd23a92e670c2', 2, '192.0.2.66', 7, 'reject', 'fail', 'fail', 'example.com', '', '[]', '[["dkim", "example.com", "fail", "s1"], ["spf", "example.com", "fail", "mfrom"]]');
INSERT INTO public.dmarc_rows VALUES ('6bd99df9d312cb09ea0a0295034ca5d90ff3aa87b027c1c4f93fd23a92e670c2', 3, '192.0.2.99', 3, 'none', 'fail', 'fail', 'example.com', '', '[["local_policy", "forwarded by a trusted list"]]', '[["dkim", "example.com", "fail", "s1"], ["spf", "example.com", "fail", "mfrom"]]');


--
-- Data for Name: esp_events; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.esp_events VALUES ('sendgrid', 'ZmFrZS0x', 'esp|sendgrid|fake1.filter-0.0', 'bounced', 'bounce', 1767607200, 'nobody@example.com', 'example.com', 'fake1.filter-0.0', '<fake.1@sender.example>', NULL, NULL, '550 5.1.1 The email account that you tried to reach does not exist.', '5.1.1', NULL, NULL, 'Invalid Address', true, 'userunknown', 1796593773.195944, '{"email":"nobody@example.com","timestamp":1767607200,"event":"bounce","smtp-id":"<fake.1@sender.example>","sg_event_id":"ZmFrZS0x","sg_message_id":"fake1.filter-0.0","type":"bounce","reason":"550 5.1.1 The email account that you tried to reach does not exist.","status":"5.1.1","bounce_classification":"Invalid Address"}');
INSERT INTO public.esp_events VALUES ('sendgrid', 'ZmFrZS0y', 'esp|sendgrid|fake2.filter-0.0', 'deferred', 'deferred', 1767607210, 'slow@example.com', 'example.com', 'fake2.filter-0.0', '<fake.2@sender.example>', NULL, NULL, '421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints', NULL, NULL, NULL, NULL, false, 'ratelimited', 1796593773.195944, '{"email":"slow@example.com","timestamp":1767607210,"event":"deferred","sg_event_id":"ZmFrZS0y","sg_message_id":"fake2.filter-0.0","smtp-id":"<fake.2@sender.example>","response":"421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints","attempt":"3"}');
INSERT INTO public.esp_events VALUES ('sendgrid', 'ZmFrZS0z', 'esp|sendgrid|fake3.filter-0.0', 'delivered', 'delivered', 1767607220, 'ok@example.com', 'example.com', 'fake3.filter-0.0', '<fake.3@sender.example>', NULL, NULL, '250 2.0.0 OK', NULL, NULL, NULL, NULL, false, 'delivered', 1796593773.195944, '{"email":"ok@example.com","timestamp":1767607220,"event":"delivered","sg_event_id":"ZmFrZS0z","sg_message_id":"fake3.filter-0.0","smtp-id":"<fake.3@sender.example>","response":"250 2.0.0 OK"}');
INSERT INTO public.esp_events VALUES ('sendgrid', 'ZmFrZS00', 'esp|sendgrid|fake4.filter-0.0', 'rejected', 'dropped', 1767607230, 'gone@example.com', 'example.com', 'fake4.filter-0.0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'Bounced Address', true, 'suppressed', 1796593773.195944, '{"email":"gone@example.com","timestamp":1767607230,"event":"dropped","sg_event_id":"ZmFrZS00","sg_message_id":"fake4.filter-0.0","reason":"Bounced Address"}');
INSERT INTO public.esp_events VALUES ('sparkpost', 'sp-1', 'esp|sparkpost|spmsg-1', 'accepted', 'injection', 1767607195, 'nobody@example.com', 'example.com', 'spmsg-1', NULL, 'sender@sender.example', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1796593775.17514, '{"msys":{"message_event":{"message_id":"spmsg-1","rcpt_to":"nobody@example.com","msg_from":"sender@sender.example","type":"injection","event_id":"sp-1","timestamp":"1767607195"}}}');
INSERT INTO public.esp_events VALUES ('sparkpost', 'sp-2', 'esp|sparkpost|spmsg-1', 'deferred', 'delay', 1767607200, 'nobody@example.com', 'example.com', 'spmsg-1', NULL, 'sender@sender.example', NULL, '451 4.7.1 Greylisted, please try again later', NULL, NULL, NULL, '20', false, 'policyviolation', 1796593775.17514, '{"msys":{"message_event":{"message_id":"spmsg-1","rcpt_to":"nobody@example.com","msg_from":"sender@sender.example","type":"delay","event_id":"sp-2","timestamp":"1767607200","raw_reason":"451 4.7.1 Greylisted, please try again later","bounce_class":"20"}}}');
INSERT INTO public.esp_events VALUES ('sparkpost', 'sp-3', 'esp|sparkpost|spmsg-1', 'bounced', 'bounce', 1767607260, 'nobody@example.com', 'example.com', 'spmsg-1', NULL, 'sender@sender.example', NULL, '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', NULL, NULL, NULL, '51', false, 'blocked', 1796593775.17514, '{"msys":{"message_event":{"message_id":"spmsg-1","rcpt_to":"nobody@example.com","msg_from":"sender@sender.example","type":"bounce","event_id":"sp-3","timestamp":"1767607260","raw_reason":"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org","bounce_class":"51","error_code":"554"}}}');


--
-- Data for Name: esp_tokens; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: inboxtrace_meta; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.inboxtrace_meta VALUES ('schema:logs', '3');
INSERT INTO public.inboxtrace_meta VALUES ('schema:alerts', '1');
INSERT INTO public.inboxtrace_meta VALUES ('schema:auth', '1');
INSERT INTO public.inboxtrace_meta VALUES ('schema:esp', '1');
INSERT INTO public.inboxtrace_meta VALUES ('schema:check_runs', '1');
INSERT INTO public.inboxtrace_meta VALUES ('schema:feedback', '1');


--
-- Data for Name: log_deliveries; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|65CCD21EA9E', 'ok@gmail.com', NULL, 'gmail.com', 'delivered', 1795627430, 1795627430, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000001', '2.0.0', '127.0.0.1', 'delivered', false, 'gmail', NULL, 'SINK000001', 1, '[[1795627430.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000001","2.0.0",0.04,"0.02/0.01/0/0.01","end-of-data","SINK000001","delivered",false,null,14,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|685B121EA9F', 'ok@outlook.com', NULL, 'outlook.com', 'delivered', 1795627430, 1795627430, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000002', '2.0.0', '127.0.0.1', 'delivered', false, 'microsoft', NULL, 'SINK000002', 1, '[[1795627430.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000002","2.0.0",0.03,"0.01/0.01/0.01/0","end-of-data","SINK000002","delivered",false,null,22,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|6953721EAA0', 'ok@yahoo.com', NULL, 'yahoo.com', 'delivered', 1795627430, 1795627430, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000003', '2.0.0', '127.0.0.1', 'delivered', false, 'yahoo', NULL, 'SINK000003', 1, '[[1795627430.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000003","2.0.0",0.02,"0.01/0/0.01/0","end-of-data","SINK000003","delivered",false,null,24,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|NOQUEUE|3444f713|1', 'blocked@example.com', NULL, 'example.com', 'rejected', 1795627430, 1795627430, '2026-11-25', 'rejected', '554 5.7.1 <blocked@example.com>: Recipient address rejected: Recipient address blocked by local policy', NULL, NULL, 'blocked', false, NULL, NULL, NULL, 1, '[[1795627430.0,"rejected",null,null,null,"554 5.7.1 <blocked@example.com>: Recipient address rejected: Recipient address blocked by local policy",null,null,null,"rcpt-to",null,"blocked",false,null,61,"Nov 25 17:23:50 mta postfix/smtpd[11203]: NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 554 5.7.1 <blocked@example.com>: Recipient address rejected: Recipient address blocked by local policy; from=<newsletter@sender.test> to=<blocked@example.com> proto=ESMTP helo=<client.rig.test>",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|6E42321EAA2', 'full@yahoo.com', NULL, 'yahoo.com', 'bounced', 1795627430, 1795627430, '2026-11-25', 'bounced', 'host 127.0.0.1[127.0.0.1] said: 552 5.2.2 <full@yahoo.com>: Mailbox full (in reply to RCPT TO command)', '5.2.2', '127.0.0.1', 'mailboxfull', false, 'yahoo', '7E78221EAAD', NULL, 1, '[[1795627430.0,"bounced","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 552 5.2.2 <full@yahoo.com>: Mailbox full (in reply to RCPT TO command)","5.2.2",0.06,"0.01/0/0/0.05","rcpt-to",null,"mailboxfull",false,null,51,"Nov 25 17:23:50 mta postfix/smtp[11293]: 6E42321EAA2: to=<full@yahoo.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=2, delay=0.06, delays=0.01/0/0/0.05, dsn=5.2.2, status=bounced (host 127.0.0.1[127.0.0.1] said: 552 5.2.2 <full@yahoo.com>: Mailbox full (in reply to RCPT TO command))",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|70B3621EA9F', 'policy@outlook.com', NULL, 'outlook.com', 'bounced', 1795627430, 1795627430, '2026-11-25', 'bounced', 'host 127.0.0.1[127.0.0.1] said: 554 5.7.1 <policy@outlook.com>: Message rejected due to local policy (in reply to RCPT TO command)', '5.7.1', '127.0.0.1', 'policyviolation', false, 'microsoft', '8357621EAAA', NULL, 1, '[[1795627430.0,"bounced","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 554 5.7.1 <policy@outlook.com>: Message rejected due to local policy (in reply to RCPT TO command)","5.7.1",0.07,"0/0.05/0/0.01","rcpt-to",null,"policyviolation",false,null,59,"Nov 25 17:23:50 mta postfix/smtp[11296]: 70B3621EA9F: to=<policy@outlook.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=3, delay=0.07, delays=0/0.05/0/0.01, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 554 5.7.1 <policy@outlook.com>: Message rejected due to local policy (in reply to RCPT TO command))",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|6CE5721EA9E', 'reject@gmail.com', NULL, 'gmail.com', 'bounced', 1795627430, 1795627430, '2026-11-25', 'bounced', 'host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <reject@gmail.com>: Recipient address rejected: User unknown (in reply to RCPT TO command)', '5.1.1', '127.0.0.1', 'userunknown', true, 'gmail', '82F1A21EAA2', NULL, 1, '[[1795627430.0,"bounced","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <reject@gmail.com>: Recipient address rejected: User unknown (in reply to RCPT TO command)","5.1.1",0.08,"0/0.02/0/0.06","rcpt-to",null,"userunknown",true,null,57,"Nov 25 17:23:50 mta postfix/smtp[11294]: 6CE5721EA9E: to=<reject@gmail.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=2, delay=0.08, delays=0/0.02/0/0.06, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <reject@gmail.com>: Recipient address rejected: User unknown (in reply to RCPT TO command))",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|7232821EAA0', 'datafail@example.com', NULL, 'example.com', 'bounced', 1795627430, 1795627430, '2026-11-25', 'bounced', 'host 127.0.0.1[127.0.0.1] said: 550 5.7.1 Message content rejected, spam score too high (in reply to end of DATA command)', '5.7.1', '127.0.0.1', 'spamdetected', false, NULL, '88B9021EAAE', NULL, 1, '[[1795627430.0,"bounced","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 550 5.7.1 Message content rejected, spam score too high (in reply to end of DATA command)","5.7.1",0.08,"0/0.07/0/0.01","end-of-data",null,"spamdetected",false,null,74,"Nov 25 17:23:50 mta postfix/smtp[11294]: 7232821EAA0: to=<datafail@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=3, delay=0.08, delays=0/0.07/0/0.01, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.7.1 Message content rejected, spam score too high (in reply to end of DATA command))",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|7E78221EAAD', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627430, 1795627430, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000004', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000004', 1, '[[1795627430.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000004","2.0.0",0.06,"0.02/0.04/0/0","end-of-data","SINK000004","delivered",false,null,86,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|8357621EAAA', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627430, 1795627430, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000005', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000005', 1, '[[1795627430.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000005","2.0.0",0.04,"0.01/0.03/0/0","end-of-data","SINK000005","delivered",false,null,88,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|82F1A21EAA2', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627430, 1795627430, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000006', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000006', 1, '[[1795627430.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000006","2.0.0",0.04,"0.01/0.03/0/0","end-of-data","SINK000006","delivered",false,null,90,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|88B9021EAAE', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627430, 1795627430, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000007', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000007', 1, '[[1795627430.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000007","2.0.0",0.02,"0.01/0.01/0/0","end-of-data","SINK000007","delivered",false,null,92,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|86A1621EA9E', 'reject2@gmail.com', NULL, 'gmail.com', 'bounced', 1795627430, 1795627430, '2026-11-25', 'bounced', 'host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <reject2@gmail.com>: Recipient address rejected: User unknown (in reply to RCPT TO command)', '5.1.1', '127.0.0.1', 'userunknown', true, 'gmail', '8E97921EAA2', NULL, 1, '[[1795627430.0,"bounced","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <reject2@gmail.com>: Recipient address rejected: User unknown (in reply to RCPT TO command)","5.1.1",0.04,"0.02/0.01/0/0","rcpt-to",null,"userunknown",true,null,94,"Nov 25 17:23:50 mta postfix/smtp[11296]: 86A1621EA9E: to=<reject2@gmail.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=10, delay=0.04, delays=0.02/0.01/0/0, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <reject2@gmail.com>: Recipient address rejected: User unknown (in reply to RCPT TO command))",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|86A1621EA9E', 'ok2@gmail.com', NULL, 'gmail.com', 'delivered', 1795627430, 1795627430, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000008', '2.0.0', '127.0.0.1', 'delivered', false, 'gmail', NULL, 'SINK000008', 1, '[[1795627430.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000008","2.0.0",0.04,"0.02/0.01/0/0","end-of-data","SINK000008","delivered",false,null,95,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|8E97921EAA2', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627430, 1795627430, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000009', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000009', 1, '[[1795627430.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000009","2.0.0",0.0,"0/0/0/0","end-of-data","SINK000009","delivered",false,null,100,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627450.000|mta|B41E921F080', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627450, 1795627450, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000010', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000010', 1, '[[1795627450.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000010","2.0.0",0.01,"0.01/0/0/0","end-of-data","SINK000010","delivered",false,null,163,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|7765221EAA9', 'slow@example.com', NULL, 'example.com', 'expired', 1795627434, 1795627450, '2026-11-25', 'expired', 'conversation with 127.0.0.1[127.0.0.1] timed out while sending RCPT TO', '4.4.2', '127.0.0.1', 'networkerror', false, NULL, 'B41E921F080', NULL, 4, '[[1795627434.0,"deferred","127.0.0.1","127.0.0.1",36443,"conversation with 127.0.0.1[127.0.0.1] timed out while sending RCPT TO","4.4.2",4.1,"0/0.08/0/4","rcpt-to",null,"networkerror",false,null,102,"Nov 25 17:23:54 mta postfix/smtp[11302]: 7765221EAA9: to=<slow@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=7, delay=4.1, delays=0/0.08/0/4, dsn=4.4.2, status=deferred (conversation with 127.0.0.1[127.0.0.1] timed out while sending RCPT TO)",null],[1795627441.0,"deferred","127.0.0.1","127.0.0.1",36443,"conversation with 127.0.0.1[127.0.0.1] timed out while sending RCPT TO","4.4.2",11.0,"7.1/0.01/0/4","rcpt-to",null,"networkerror",false,null,130,"Nov 25 17:24:01 mta postfix/smtp[11293]: 7765221EAA9: to=<slow@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=11, delays=7.1/0.01/0/4, dsn=4.4.2, status=deferred (conversation with 127.0.0.1[127.0.0.1] timed out while sending RCPT TO)",null],[1795627450.0,"deferred","127.0.0.1","127.0.0.1",36443,"conversation with 127.0.0.1[127.0.0.1] timed out while sending RCPT TO","4.4.2",20.0,"16/0/0/4","rcpt-to",null,"networkerror",false,null,158,"Nov 25 17:24:10 mta postfix/smtp[11302]: 7765221EAA9: to=<slow@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=20, delays=16/0/0/4, dsn=4.4.2, status=deferred (conversation with 127.0.0.1[127.0.0.1] timed out while sending RCPT TO)",null],[1795627450.0,"expired","127.0.0.1","127.0.0.1",36443,"conversation with 127.0.0.1[127.0.0.1] timed out while sending RCPT TO","4.4.2",null,null,"rcpt-to",null,"networkerror",false,null,159,"Nov 25 17:24:10 mta postfix/qmgr[11201]: 7765221EAA9: from=<newsletter@sender.test>, status=expired, returned to sender",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|730A121EAA3', 'tempfail@example.com', NULL, 'example.com', 'expired', 1795627430, 1795627455, '2026-11-25', 'expired', 'host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command)', '4.2.0', '127.0.0.1', 'systemerror', false, NULL, 'BB50A21E1D0', NULL, 7, '[[1795627430.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command)","4.2.0",0.08,"0/0.07/0/0.01","rcpt-to",null,"systemerror",false,null,73,"Nov 25 17:23:50 mta postfix/smtp[11296]: 730A121EAA3: to=<tempfail@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=4, delay=0.08, delays=0/0.07/0/0.01, dsn=4.2.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command))",null],[1795627434.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command)","4.2.0",4.1,"4.1/0/0/0","rcpt-to",null,"systemerror",false,null,110,"Nov 25 17:23:54 mta postfix/smtp[11294]: 730A121EAA3: to=<tempfail@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=4.1, delays=4.1/0/0/0, dsn=4.2.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command))",null],[1795627437.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command)","4.2.0",7.1,"7.1/0/0/0.01","rcpt-to",null,"systemerror",false,null,126,"Nov 25 17:23:57 mta postfix/smtp[11296]: 730A121EAA3: to=<tempfail@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=7.1, delays=7.1/0/0/0.01, dsn=4.2.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command))",null],[1795627443.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command)","4.2.0",13.0,"13/0/0/0.01","rcpt-to",null,"systemerror",false,null,139,"Nov 25 17:24:03 mta postfix/smtp[11294]: 730A121EAA3: to=<tempfail@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=13, delays=13/0/0/0.01, dsn=4.2.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command))",null],[1795627449.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command)","4.2.0",19.0,"19/0/0/0","rcpt-to",null,"systemerror",false,null,153,"Nov 25 17:24:09 mta postfix/smtp[11296]: 730A121EAA3: to=<tempfail@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=19, delays=19/0/0/0, dsn=4.2.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command))",null],[1795627455.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command)","4.2.0",25.0,"25/0/0.01/0.01","rcpt-to",null,"systemerror",false,null,176,"Nov 25 17:24:15 mta postfix/smtp[11293]: 730A121EAA3: to=<tempfail@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=25, delays=25/0/0.01/0.01, dsn=4.2.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command))",null],[1795627455.0,"expired","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <tempfail@example.com>: Mailbox temporarily unavailable (in reply to RCPT TO command)","4.2.0",null,null,"rcpt-to",null,"systemerror",false,null,177,"Nov 25 17:24:15 mta postfix/qmgr[11201]: 730A121EAA3: from=<newsletter@sender.test>, status=expired, returned to sender",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|7D00C21EAAB', 'nobody@closed.test', NULL, 'closed.test', 'expired', 1795627430, 1795627455, '2026-11-25', 'expired', 'connect to 127.0.0.1[127.0.0.1]:40465: Connection refused', '4.4.1', '127.0.0.1', 'networkerror', false, NULL, 'B88FC21E1CD', NULL, 7, '[[1795627430.0,"deferred","127.0.0.1","127.0.0.1",40465,"connect to 127.0.0.1[127.0.0.1]:40465: Connection refused","4.4.1",0.02,"0.01/0/0/0","connect",null,"networkerror",false,null,70,"Nov 25 17:23:50 mta postfix/smtp[11293]: 7D00C21EAAB: to=<nobody@closed.test>, relay=none, delay=0.02, delays=0.01/0/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:40465: Connection refused)",null],[1795627434.0,"deferred","127.0.0.1","127.0.0.1",40465,"connect to 127.0.0.1[127.0.0.1]:40465: Connection refused","4.4.1",4.1,"4.1/0/0/0","connect",null,"networkerror",false,null,111,"Nov 25 17:23:54 mta postfix/smtp[11293]: 7D00C21EAAB: to=<nobody@closed.test>, relay=none, delay=4.1, delays=4.1/0/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:40465: Connection refused)",null],[1795627437.0,"deferred","127.0.0.1","127.0.0.1",40465,"connect to 127.0.0.1[127.0.0.1]:40465: Connection refused","4.4.1",7.1,"7.1/0/0/0","connect",null,"networkerror",false,null,124,"Nov 25 17:23:57 mta postfix/smtp[11294]: 7D00C21EAAB: to=<nobody@closed.test>, relay=none, delay=7.1, delays=7.1/0/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:40465: Connection refused)",null],[1795627443.0,"deferred","127.0.0.1","127.0.0.1",40465,"connect to 127.0.0.1[127.0.0.1]:40465: Connection refused","4.4.1",13.0,"13/0/0/0","connect",null,"networkerror",false,null,138,"Nov 25 17:24:03 mta postfix/smtp[11296]: 7D00C21EAAB: to=<nobody@closed.test>, relay=none, delay=13, delays=13/0/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:40465: Connection refused)",null],[1795627449.0,"deferred","127.0.0.1","127.0.0.1",40465,"connect to 127.0.0.1[127.0.0.1]:40465: Connection refused","4.4.1",19.0,"19/0/0/0","connect",null,"networkerror",false,null,152,"Nov 25 17:24:09 mta postfix/smtp[11293]: 7D00C21EAAB: to=<nobody@closed.test>, relay=none, delay=19, delays=19/0/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:40465: Connection refused)",null],[1795627455.0,"deferred","127.0.0.1","127.0.0.1",40465,"connect to 127.0.0.1[127.0.0.1]:40465: Connection refused","4.4.1",25.0,"25/0/0/0","connect",null,"networkerror",false,null,173,"Nov 25 17:24:15 mta postfix/smtp[11302]: 7D00C21EAAB: to=<nobody@closed.test>, relay=none, delay=25, delays=25/0/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:40465: Connection refused)",null],[1795627455.0,"expired","127.0.0.1","127.0.0.1",40465,"connect to 127.0.0.1[127.0.0.1]:40465: Connection refused","4.4.1",null,null,"connect",null,"networkerror",false,null,174,"Nov 25 17:24:15 mta postfix/qmgr[11201]: 7D00C21EAAB: from=<newsletter@sender.test>, status=expired, returned to sender",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|73D2121EAA4', 'greylist@example.net', NULL, 'example.net', 'expired', 1795627430, 1795627455, '2026-11-25', 'expired', 'host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command)', '4.7.1', '127.0.0.1', 'policyviolation', false, NULL, 'BC3FD21E8F1', NULL, 7, '[[1795627430.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command)","4.7.1",0.09,"0/0.08/0.01/0","rcpt-to",null,"policyviolation",false,null,77,"Nov 25 17:23:50 mta postfix/smtp[11302]: 73D2121EAA4: to=<greylist@example.net>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=5, delay=0.09, delays=0/0.08/0.01/0, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command))",null],[1795627434.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command)","4.7.1",4.1,"4.1/0/0/0.01","rcpt-to",null,"policyviolation",false,null,112,"Nov 25 17:23:54 mta postfix/smtp[11296]: 73D2121EAA4: to=<greylist@example.net>, relay=127.0.0.1[127.0.0.1]:36443, delay=4.1, delays=4.1/0/0/0.01, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command))",null],[1795627437.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command)","4.7.1",7.1,"7.1/0/0/0.01","rcpt-to",null,"policyviolation",false,null,125,"Nov 25 17:23:57 mta postfix/smtp[11302]: 73D2121EAA4: to=<greylist@example.net>, relay=127.0.0.1[127.0.0.1]:36443, delay=7.1, delays=7.1/0/0/0.01, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command))",null],[1795627443.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command)","4.7.1",13.0,"13/0/0/0.01","rcpt-to",null,"policyviolation",false,null,140,"Nov 25 17:24:03 mta postfix/smtp[11302]: 73D2121EAA4: to=<greylist@example.net>, relay=127.0.0.1[127.0.0.1]:36443, delay=13, delays=13/0/0/0.01, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command))",null],[1795627449.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command)","4.7.1",19.0,"19/0.01/0/0","rcpt-to",null,"policyviolation",false,null,154,"Nov 25 17:24:09 mta postfix/smtp[11294]: 73D2121EAA4: to=<greylist@example.net>, relay=127.0.0.1[127.0.0.1]:36443, delay=19, delays=19/0.01/0/0, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command))",null],[1795627455.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command)","4.7.1",25.0,"25/0/0.01/0.01","rcpt-to",null,"policyviolation",false,null,178,"Nov 25 17:24:15 mta postfix/smtp[11294]: 73D2121EAA4: to=<greylist@example.net>, relay=127.0.0.1[127.0.0.1]:36443, delay=25, delays=25/0/0.01/0.01, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command))",null],[1795627455.0,"expired","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.7.1 <greylist@example.net>: Greylisted, please try again later (in reply to RCPT TO command)","4.7.1",null,null,"rcpt-to",null,"policyviolation",false,null,180,"Nov 25 17:24:15 mta postfix/qmgr[11201]: 73D2121EAA4: from=<newsletter@sender.test>, status=expired, returned to sender",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627455.000|mta|BB50A21E1D0', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627455, 1795627455, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000011', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000011', 1, '[[1795627455.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000011","2.0.0",0.05,"0/0.04/0/0","end-of-data","SINK000011","delivered",false,null,198,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627455.000|mta|B88FC21E1CD', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627455, 1795627455, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000012', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000012', 1, '[[1795627455.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000012","2.0.0",0.06,"0.02/0.04/0/0","end-of-data","SINK000012","delivered",false,null,200,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|74AD021EAA5', 'quota@example.com', NULL, 'example.com', 'expired', 1795627430, 1795627455, '2026-11-25', 'expired', 'host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command)', '4.2.2', '127.0.0.1', 'mailboxfull', false, NULL, 'C7A6F21E1D0', NULL, 7, '[[1795627430.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command)","4.2.2",0.09,"0/0.08/0/0","rcpt-to",null,"mailboxfull",false,null,78,"Nov 25 17:23:50 mta postfix/smtp[11296]: 74AD021EAA5: to=<quota@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=4, delay=0.09, delays=0/0.08/0/0, dsn=4.2.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command))",null],[1795627434.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command)","4.2.2",4.1,"4.1/0.01/0/0","rcpt-to",null,"mailboxfull",false,null,115,"Nov 25 17:23:54 mta postfix/smtp[11293]: 74AD021EAA5: to=<quota@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=2, delay=4.1, delays=4.1/0.01/0/0, dsn=4.2.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command))",null],[1795627437.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command)","4.2.2",7.2,"7.1/0.03/0/0","rcpt-to",null,"mailboxfull",false,null,129,"Nov 25 17:23:57 mta postfix/smtp[11296]: 74AD021EAA5: to=<quota@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=3, delay=7.2, delays=7.1/0.03/0/0, dsn=4.2.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command))",null],[1795627443.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command)","4.2.2",13.0,"13/0.02/0/0","rcpt-to",null,"mailboxfull",false,null,143,"Nov 25 17:24:03 mta postfix/smtp[11294]: 74AD021EAA5: to=<quota@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=2, delay=13, delays=13/0.02/0/0, dsn=4.2.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command))",null],[1795627449.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command)","4.2.2",19.0,"19/0.02/0/0","rcpt-to",null,"mailboxfull",false,null,157,"Nov 25 17:24:09 mta postfix/smtp[11294]: 74AD021EAA5: to=<quota@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=4, delay=19, delays=19/0.02/0/0, dsn=4.2.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command))",null],[1795627455.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command)","4.2.2",25.0,"25/0.05/0/0.01","rcpt-to",null,"mailboxfull",false,null,194,"Nov 25 17:24:15 mta postfix/smtp[11293]: 74AD021EAA5: to=<quota@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=2, delay=25, delays=25/0.05/0/0.01, dsn=4.2.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command))",null],[1795627455.0,"expired","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 452 4.2.2 <quota@example.com>: Mailbox over quota, insufficient storage (in reply to RCPT TO command)","4.2.2",null,null,"rcpt-to",null,"mailboxfull",false,null,197,"Nov 25 17:24:15 mta postfix/qmgr[11201]: 74AD021EAA5: from=<newsletter@sender.test>, status=expired, returned to sender",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627455.000|mta|BC3FD21E8F1', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627455, 1795627455, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000013', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000013', 1, '[[1795627455.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000013","2.0.0",0.05,"0/0.04/0/0","end-of-data","SINK000013","delivered",false,null,207,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627455.000|mta|C643521EAA4', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627455, 1795627455, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000014', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000014', 1, '[[1795627455.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000014","2.0.0",0.01,"0.01/0/0/0","end-of-data","SINK000014","delivered",false,null,209,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627455.000|mta|C7A6F21E1D0', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627455, 1795627455, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000015', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000015', 1, '[[1795627455.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000015","2.0.0",0.01,"0.01/0/0/0","end-of-data","SINK000015","delivered",false,null,212,null,null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|7671621EAA7', 'datatemp@example.com', NULL, 'example.com', 'expired', 1795627430, 1795627455, '2026-11-25', 'expired', 'host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command)', '4.3.0', '127.0.0.1', 'systemerror', false, NULL, 'C643521EAA4', NULL, 7, '[[1795627430.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command)","4.3.0",0.09,"0/0.08/0/0","end-of-data",null,"systemerror",false,null,85,"Nov 25 17:23:50 mta postfix/smtp[11294]: 7671621EAA7: to=<datatemp@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=5, delay=0.09, delays=0/0.08/0/0, dsn=4.3.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command))",null],[1795627434.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command)","4.3.0",4.1,"4.1/0.01/0/0","end-of-data",null,"systemerror",false,null,113,"Nov 25 17:23:54 mta postfix/smtp[11302]: 7671621EAA7: to=<datatemp@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=4.1, delays=4.1/0.01/0/0, dsn=4.3.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command))",null],[1795627437.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command)","4.3.0",7.1,"7.1/0.01/0/0","end-of-data",null,"systemerror",false,null,127,"Nov 25 17:23:57 mta postfix/smtp[11294]: 7671621EAA7: to=<datatemp@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=7.1, delays=7.1/0.01/0/0, dsn=4.3.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command))",null],[1795627443.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command)","4.3.0",13.0,"13/0.01/0/0","end-of-data",null,"systemerror",false,null,142,"Nov 25 17:24:03 mta postfix/smtp[11293]: 7671621EAA7: to=<datatemp@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=13, delays=13/0.01/0/0, dsn=4.3.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command))",null],[1795627449.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command)","4.3.0",19.0,"19/0.02/0/0","end-of-data",null,"systemerror",false,null,155,"Nov 25 17:24:09 mta postfix/smtp[11296]: 7671621EAA7: to=<datatemp@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=2, delay=19, delays=19/0.02/0/0, dsn=4.3.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command))",null],[1795627455.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command)","4.3.0",25.0,"25/0.02/0.02/0.01","end-of-data",null,"systemerror",false,null,193,"Nov 25 17:24:15 mta postfix/smtp[11296]: 7671621EAA7: to=<datatemp@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=25, delays=25/0.02/0.02/0.01, dsn=4.3.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command))",null],[1795627455.0,"expired","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Temporary content scanning failure, try again later (in reply to end of DATA command)","4.3.0",null,null,"end-of-data",null,"systemerror",false,null,195,"Nov 25 17:24:15 mta postfix/qmgr[11201]: 7671621EAA7: from=<newsletter@sender.test>, status=expired, returned to sender",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627430.000|mta|7584C21EAA6', 'shutdown@example.com', NULL, 'example.com', 'expired', 1795627430, 1795627455, '2026-11-25', 'expired', 'host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command)', '4.3.2', '127.0.0.1', 'systemerror', false, NULL, 'C632121EAA3', NULL, 7, '[[1795627430.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command)","4.3.2",0.09,"0/0.08/0/0","rcpt-to",null,"systemerror",false,null,84,"Nov 25 17:23:50 mta postfix/smtp[11293]: 7584C21EAA6: to=<shutdown@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=6, delay=0.09, delays=0/0.08/0/0, dsn=4.3.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command))",null],[1795627434.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command)","4.3.2",4.1,"4.1/0.01/0/0","rcpt-to",null,"systemerror",false,null,114,"Nov 25 17:23:54 mta postfix/smtp[11294]: 7584C21EAA6: to=<shutdown@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=4.1, delays=4.1/0.01/0/0, dsn=4.3.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command))",null],[1795627437.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command)","4.3.2",7.2,"7.1/0.02/0/0.01","rcpt-to",null,"systemerror",false,null,128,"Nov 25 17:23:57 mta postfix/smtp[11302]: 7584C21EAA6: to=<shutdown@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=2, delay=7.2, delays=7.1/0.02/0/0.01, dsn=4.3.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command))",null],[1795627443.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command)","4.3.2",13.0,"13/0.01/0/0","rcpt-to",null,"systemerror",false,null,141,"Nov 25 17:24:03 mta postfix/smtp[11296]: 7584C21EAA6: to=<shutdown@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=13, delays=13/0.01/0/0, dsn=4.3.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command))",null],[1795627449.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command)","4.3.2",19.0,"19/0.02/0/0","rcpt-to",null,"systemerror",false,null,156,"Nov 25 17:24:09 mta postfix/smtp[11293]: 7584C21EAA6: to=<shutdown@example.com>, relay=127.0.0.1[127.0.0.1]:36443, conn_use=3, delay=19, delays=19/0.02/0/0, dsn=4.3.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command))",null],[1795627455.0,"deferred","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command)","4.3.2",25.0,"25/0.02/0.02/0","rcpt-to",null,"systemerror",false,null,191,"Nov 25 17:24:15 mta postfix/smtp[11302]: 7584C21EAA6: to=<shutdown@example.com>, relay=127.0.0.1[127.0.0.1]:36443, delay=25, delays=25/0.02/0.02/0, dsn=4.3.2, status=deferred (host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command))",null],[1795627455.0,"expired","127.0.0.1","127.0.0.1",36443,"host 127.0.0.1[127.0.0.1] said: 421 4.3.2 Service shutting down, closing transmission channel (in reply to RCPT TO command)","4.3.2",null,null,"rcpt-to",null,"systemerror",false,null,192,"Nov 25 17:24:15 mta postfix/qmgr[11201]: 7584C21EAA6: from=<newsletter@sender.test>, status=expired, returned to sender",null]]');
INSERT INTO public.log_deliveries VALUES ('1795627455.000|mta|C632121EAA3', 'newsletter@sender.test', NULL, 'sender.test', 'delivered', 1795627455, 1795627455, '2026-11-25', 'sent', '250 2.0.0 Ok: queued as SINK000016', '2.0.0', '127.0.0.1', 'delivered', false, NULL, NULL, 'SINK000016', 1, '[[1795627455.0,"sent","127.0.0.1","127.0.0.1",36443,"250 2.0.0 Ok: queued as SINK000016","2.0.0",0.06,"0.05/0/0/0.01","end-of-data","SINK000016","delivered",false,null,219,null,null]]');
INSERT INTO public.log_deliveries VALUES ('esp|sendgrid|fake1.filter-0.0', 'nobody@example.com', NULL, 'example.com', 'bounced', 1767607200, 1767607200, '2026-01-05', 'bounced', '550 5.1.1 The email account that you tried to reach does not exist.', '5.1.1', NULL, 'userunknown', true, NULL, NULL, NULL, 1, '[[1767607200.0,"bounced",null,null,null,"550 5.1.1 The email account that you tried to reach does not exist.","5.1.1",null,null,null,null,"userunknown",true,null,null,"sendgrid bounce event ZmFrZS0x (sendgrid type: Invalid Address)",null]]');
INSERT INTO public.log_deliveries VALUES ('esp|sendgrid|fake2.filter-0.0', 'slow@example.com', NULL, 'example.com', 'deferred', 1767607210, 1767607210, '2026-01-05', 'deferred', '421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints', NULL, NULL, 'ratelimited', false, NULL, NULL, NULL, 1, '[[1767607210.0,"deferred",null,null,null,"421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints",null,null,null,null,null,"ratelimited",false,null,null,"sendgrid deferred event ZmFrZS0y",null]]');
INSERT INTO public.log_deliveries VALUES ('esp|sendgrid|fake3.filter-0.0', 'ok@example.com', NULL, 'example.com', 'delivered', 1767607220, 1767607220, '2026-01-05', 'sent', '250 2.0.0 OK', NULL, NULL, 'delivered', false, NULL, NULL, NULL, 1, '[[1767607220.0,"sent",null,null,null,"250 2.0.0 OK",null,null,null,null,null,"delivered",false,null,null,"sendgrid delivered event ZmFrZS0z",null]]');
INSERT INTO public.log_deliveries VALUES ('esp|sendgrid|fake4.filter-0.0', 'gone@example.com', NULL, 'example.com', 'rejected', 1767607230, 1767607230, '2026-01-05', 'rejected', NULL, NULL, NULL, 'suppressed', true, NULL, NULL, NULL, 1, '[[1767607230.0,"rejected",null,null,null,null,null,null,null,null,null,"suppressed",true,null,null,"sendgrid dropped event ZmFrZS00 (sendgrid type: Bounced Address)",null]]');
INSERT INTO public.log_deliveries VALUES ('esp|sparkpost|spmsg-1', 'nobody@example.com', NULL, 'example.com', 'bounced', 1767607195, 1767607260, '2026-01-05', 'bounced', '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', NULL, NULL, 'blocked', false, NULL, NULL, NULL, 3, '[[1767607195.0,"accepted",null,null,null,null,null,null,null,null,null,null,null,null,null,"sparkpost injection event sp-1",null],[1767607200.0,"deferred",null,null,null,"451 4.7.1 Greylisted, please try again later",null,null,null,null,null,"policyviolation",false,null,null,"sparkpost delay event sp-2 (sparkpost type: 20)",null],[1767607260.0,"bounced",null,null,null,"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",null,null,null,null,null,"blocked",false,null,null,"sparkpost bounce event sp-3 (sparkpost type: 51)",null]]');


--
-- Data for Name: log_messages; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.log_messages VALUES ('1795627430.000|mta|65CCD21EA9E', 'postfix', 'mta', '65CCD21EA9E', 1795627430, 1795627430, 1795627430, 1795627430, 'newsletter@sender.test', 'ok.gmail.com.1795627428@sender.test', 484, 1, 'localhost', '127.0.0.1', NULL, 'SINK000001', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|685B121EA9F', 'postfix', 'mta', '685B121EA9F', 1795627430, 1795627430, 1795627430, 1795627430, 'newsletter@sender.test', 'ok.outlook.com.1795627428@sender.test', 492, 1, 'localhost', '127.0.0.1', NULL, 'SINK000002', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|6953721EAA0', 'postfix', 'mta', '6953721EAA0', 1795627430, 1795627430, 1795627430, 1795627430, 'newsletter@sender.test', 'ok.yahoo.com.1795627428@sender.test', 484, 1, 'localhost', '127.0.0.1', NULL, 'SINK000003', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|NOQUEUE|3444f713|1', 'postfix', 'mta', 'NOQUEUE-d0c6b30f4ae22650', 1795627430, 1795627430, 1795627430, 1795627430, 'newsletter@sender.test', NULL, NULL, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|6E42321EAA2', 'postfix', 'mta', '6E42321EAA2', 1795627430, 1795627430, 1795627430, 1795627430, 'newsletter@sender.test', 'full.yahoo.com.1795627428@sender.test', 492, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', '[["dsn",1795627430.0,58,"/tmp/old010/examples/postfix/maillog","non-delivery","7E78221EAAD"]]');
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|70B3621EA9F', 'postfix', 'mta', '70B3621EA9F', 1795627430, 1795627430, 1795627430, 1795627430, 'newsletter@sender.test', 'policy.outlook.com.1795627428@sender.test', 508, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', '[["dsn",1795627430.0,68,"/tmp/old010/examples/postfix/maillog","non-delivery","8357621EAAA"]]');
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|6CE5721EA9E', 'postfix', 'mta', '6CE5721EA9E', 1795627430, 1795627430, 1795627430, 1795627430, 'newsletter@sender.test', 'reject.gmail.com.1795627428@sender.test', 500, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', '[["dsn",1795627430.0,65,"/tmp/old010/examples/postfix/maillog","non-delivery","82F1A21EAA2"]]');
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|7232821EAA0', 'postfix', 'mta', '7232821EAA0', 1795627430, 1795627430, 1795627430, 1795627430, 'newsletter@sender.test', 'datafail.example.com.1795627428@sender.test', 516, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', '[["dsn",1795627430.0,79,"/tmp/old010/examples/postfix/maillog","non-delivery","88B9021EAAE"]]');
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|7E78221EAAD', 'postfix', 'mta', '7E78221EAAD', 1795627430, 1795627430, 1795627430, 1795627430, '', '20261125172350.7E78221EAAD@mta.rig.test', 2352, 1, NULL, NULL, '6E42321EAA2', 'SINK000004', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|8357621EAAA', 'postfix', 'mta', '8357621EAAA', 1795627430, 1795627430, 1795627430, 1795627430, '', '20261125172350.8357621EAAA@mta.rig.test', 2446, 1, NULL, NULL, '70B3621EA9F', 'SINK000005', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|82F1A21EAA2', 'postfix', 'mta', '82F1A21EAA2', 1795627430, 1795627430, 1795627430, 1795627430, '', '20261125172350.82F1A21EAA2@mta.rig.test', 2436, 1, NULL, NULL, '6CE5721EA9E', 'SINK000006', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|88B9021EAAE', 'postfix', 'mta', '88B9021EAAE', 1795627430, 1795627430, 1795627430, 1795627430, '', '20261125172350.88B9021EAAE@mta.rig.test', 2428, 1, NULL, NULL, '7232821EAA0', 'SINK000007', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|86A1621EA9E', 'postfix', 'mta', '86A1621EA9E', 1795627430, 1795627430, 1795627430, 1795627430, 'newsletter@sender.test', 'ok2.gmail.com.1795627428@sender.test', 487, 2, 'localhost', '127.0.0.1', NULL, 'SINK000008', '/tmp/old010/examples/postfix/maillog', '[["dsn",1795627430.0,97,"/tmp/old010/examples/postfix/maillog","non-delivery","8E97921EAA2"]]');
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|8E97921EAA2', 'postfix', 'mta', '8E97921EAA2', 1795627430, 1795627430, 1795627430, 1795627430, '', '20261125172350.8E97921EAA2@mta.rig.test', 2428, 1, NULL, NULL, '86A1621EA9E', 'SINK000009', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627450.000|mta|B41E921F080', 'postfix', 'mta', 'B41E921F080', 1795627450, 1795627450, 1795627450, 1795627450, '', '20261125172410.B41E921F080@mta.rig.test', 2346, 1, NULL, NULL, '7765221EAA9', 'SINK000010', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|7765221EAA9', 'postfix', 'mta', '7765221EAA9', 1795627430, 1795627450, 1795627430, 1795627450, 'newsletter@sender.test', 'slow.example.com.1795627428@sender.test', 500, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', '[["expired",1795627450.0,159,"/tmp/old010/examples/postfix/maillog","Nov 25 17:24:10 mta postfix/qmgr[11201]: 7765221EAA9: from=<newsletter@sender.test>, status=expired, returned to sender",null],["dsn",1795627450.0,162,"/tmp/old010/examples/postfix/maillog","non-delivery","B41E921F080"]]');
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|730A121EAA3', 'postfix', 'mta', '730A121EAA3', 1795627430, 1795627455, 1795627430, 1795627455, 'newsletter@sender.test', 'tempfail.example.com.1795627428@sender.test', 516, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', '[["expired",1795627455.0,177,"/tmp/old010/examples/postfix/maillog","Nov 25 17:24:15 mta postfix/qmgr[11201]: 730A121EAA3: from=<newsletter@sender.test>, status=expired, returned to sender",null],["dsn",1795627455.0,183,"/tmp/old010/examples/postfix/maillog","non-delivery","BB50A21E1D0"]]');
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|7D00C21EAAB', 'postfix', 'mta', '7D00C21EAAB', 1795627430, 1795627455, 1795627430, 1795627455, 'newsletter@sender.test', 'nobody.closed.test.1795627428@sender.test', 508, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', '[["expired",1795627455.0,174,"/tmp/old010/examples/postfix/maillog","Nov 25 17:24:15 mta postfix/qmgr[11201]: 7D00C21EAAB: from=<newsletter@sender.test>, status=expired, returned to sender",null],["dsn",1795627455.0,181,"/tmp/old010/examples/postfix/maillog","non-delivery","B88FC21E1CD"]]');
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|73D2121EAA4', 'postfix', 'mta', '73D2121EAA4', 1795627430, 1795627455, 1795627430, 1795627455, 'newsletter@sender.test', 'greylist.example.net.1795627428@sender.test', 516, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', '[["expired",1795627455.0,180,"/tmp/old010/examples/postfix/maillog","Nov 25 17:24:15 mta postfix/qmgr[11201]: 73D2121EAA4: from=<newsletter@sender.test>, status=expired, returned to sender",null],["dsn",1795627455.0,188,"/tmp/old010/examples/postfix/maillog","non-delivery","BC3FD21E8F1"]]');
INSERT INTO public.log_messages VALUES ('1795627455.000|mta|BB50A21E1D0', 'postfix', 'mta', 'BB50A21E1D0', 1795627455, 1795627455, 1795627455, 1795627455, '', '20261125172415.BB50A21E1D0@mta.rig.test', 2454, 1, NULL, NULL, '730A121EAA3', 'SINK000011', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627455.000|mta|B88FC21E1CD', 'postfix', 'mta', 'B88FC21E1CD', 1795627455, 1795627455, 1795627455, 1795627455, '', '20261125172415.B88FC21E1CD@mta.rig.test', 2329, 1, NULL, NULL, '7D00C21EAAB', 'SINK000012', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|74AD021EAA5', 'postfix', 'mta', '74AD021EAA5', 1795627430, 1795627455, 1795627430, 1795627455, 'newsletter@sender.test', 'quota.example.com.1795627428@sender.test', 504, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', '[["expired",1795627455.0,197,"/tmp/old010/examples/postfix/maillog","Nov 25 17:24:15 mta postfix/qmgr[11201]: 74AD021EAA5: from=<newsletter@sender.test>, status=expired, returned to sender",null],["dsn",1795627455.0,206,"/tmp/old010/examples/postfix/maillog","non-delivery","C7A6F21E1D0"]]');
INSERT INTO public.log_messages VALUES ('1795627455.000|mta|BC3FD21E8F1', 'postfix', 'mta', 'BC3FD21E8F1', 1795627455, 1795627455, 1795627455, 1795627455, '', '20261125172415.BC3FD21E8F1@mta.rig.test', 2460, 1, NULL, NULL, '73D2121EAA4', 'SINK000013', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627455.000|mta|C643521EAA4', 'postfix', 'mta', 'C643521EAA4', 1795627455, 1795627455, 1795627455, 1795627455, '', '20261125172415.C643521EAA4@mta.rig.test', 2445, 1, NULL, NULL, '7671621EAA7', 'SINK000014', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627455.000|mta|C7A6F21E1D0', 'postfix', 'mta', 'C7A6F21E1D0', 1795627455, 1795627455, 1795627455, 1795627455, '', '20261125172415.C7A6F21E1D0@mta.rig.test', 2445, 1, NULL, NULL, '74AD021EAA5', 'SINK000015', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|7671621EAA7', 'postfix', 'mta', '7671621EAA7', 1795627430, 1795627455, 1795627430, 1795627455, 'newsletter@sender.test', 'datatemp.example.com.1795627428@sender.test', 516, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', '[["expired",1795627455.0,195,"/tmp/old010/examples/postfix/maillog","Nov 25 17:24:15 mta postfix/qmgr[11201]: 7671621EAA7: from=<newsletter@sender.test>, status=expired, returned to sender",null],["dsn",1795627455.0,201,"/tmp/old010/examples/postfix/maillog","non-delivery","C643521EAA4"]]');
INSERT INTO public.log_messages VALUES ('1795627430.000|mta|7584C21EAA6', 'postfix', 'mta', '7584C21EAA6', 1795627430, 1795627455, 1795627430, 1795627455, 'newsletter@sender.test', 'shutdown.example.com.1795627428@sender.test', 516, 1, 'localhost', '127.0.0.1', NULL, NULL, '/tmp/old010/examples/postfix/maillog', '[["expired",1795627455.0,192,"/tmp/old010/examples/postfix/maillog","Nov 25 17:24:15 mta postfix/qmgr[11201]: 7584C21EAA6: from=<newsletter@sender.test>, status=expired, returned to sender",null],["dsn",1795627455.0,216,"/tmp/old010/examples/postfix/maillog","non-delivery","C632121EAA3"]]');
INSERT INTO public.log_messages VALUES ('1795627455.000|mta|C632121EAA3', 'postfix', 'mta', 'C632121EAA3', 1795627455, 1795627455, 1795627455, 1795627455, '', '20261125172415.C632121EAA3@mta.rig.test', 2441, 1, NULL, NULL, '7584C21EAA6', 'SINK000016', '/tmp/old010/examples/postfix/maillog', NULL);
INSERT INTO public.log_messages VALUES ('esp|sendgrid|fake1.filter-0.0', 'esp', 'sendgrid', 'fake1.filter-0.0', NULL, NULL, 1767607200, 1767607200, NULL, '<fake.1@sender.example>', NULL, 1, NULL, NULL, NULL, NULL, 'sendgrid webhook', NULL);
INSERT INTO public.log_messages VALUES ('esp|sendgrid|fake2.filter-0.0', 'esp', 'sendgrid', 'fake2.filter-0.0', NULL, NULL, 1767607210, 1767607210, NULL, '<fake.2@sender.example>', NULL, 1, NULL, NULL, NULL, NULL, 'sendgrid webhook', NULL);
INSERT INTO public.log_messages VALUES ('esp|sendgrid|fake3.filter-0.0', 'esp', 'sendgrid', 'fake3.filter-0.0', NULL, NULL, 1767607220, 1767607220, NULL, '<fake.3@sender.example>', NULL, 1, NULL, NULL, NULL, NULL, 'sendgrid webhook', NULL);
INSERT INTO public.log_messages VALUES ('esp|sendgrid|fake4.filter-0.0', 'esp', 'sendgrid', 'fake4.filter-0.0', NULL, NULL, 1767607230, 1767607230, NULL, NULL, NULL, 1, NULL, NULL, NULL, NULL, 'sendgrid webhook', NULL);
INSERT INTO public.log_messages VALUES ('esp|sparkpost|spmsg-1', 'esp', 'sparkpost', 'spmsg-1', 1767607195, NULL, 1767607195, 1767607260, 'sender@sender.example', NULL, NULL, 1, NULL, NULL, NULL, NULL, 'sparkpost webhook', NULL);


--
-- Data for Name: log_sources; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.log_sources VALUES ('file:65024:2154716:fc1d89565d3705e6b80109fb:256', '{"dev": 65024, "head_digest": "fc1d89565d3705e6b80109fb", "head_len": 256, "ino": 2154716, "offset": 32416, "path": "/tmp/old010/examples/postfix/maillog"}', 32416, 0, 32416, true, 1796593768.7209854);


--
-- Data for Name: placement_results; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: placement_sends; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: placement_tests; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: tlsrpt_failures; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: tlsrpt_policies; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: tlsrpt_reports; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: web_sessions; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: web_tokens; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.web_tokens VALUES ('da46f219', '5f80892a70d66ff897479f8f82f39881003f10bae67e189c04d051c3e1019a7a', 'read', NULL, 1796593779.0645857, false);


--
-- Data for Name: web_users; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.web_users VALUES ('alice', '$argon2id$v=19$m=65536,t=3,p=4$qZUnUth+tV8MGW3K0rzdzA$W1RJxUDgVxKnRd0ZZ3CzaBFHE9pwU5RIdhA5IDBeWIo', 'read', 1796593780.8749962);


--
-- Name: alert_baselines alert_baselines_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alert_baselines
    ADD CONSTRAINT alert_baselines_pkey PRIMARY KEY (rule_id);


--
-- Name: alert_state alert_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alert_state
    ADD CONSTRAINT alert_state_pkey PRIMARY KEY (rule_id, key);


--
-- Name: bounce_messages bounce_messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bounce_messages
    ADD CONSTRAINT bounce_messages_pkey PRIMARY KEY (digest);


--
-- Name: bounce_recipients bounce_recipients_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bounce_recipients
    ADD CONSTRAINT bounce_recipients_pkey PRIMARY KEY (digest, idx);


--
-- Name: check_runs check_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.check_runs
    ADD CONSTRAINT check_runs_pkey PRIMARY KEY (run_id);


--
-- Name: dmarc_failures dmarc_failures_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dmarc_failures
    ADD CONSTRAINT dmarc_failures_pkey PRIMARY KEY (key);


--
-- Name: dmarc_reports dmarc_reports_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dmarc_reports
    ADD CONSTRAINT dmarc_reports_pkey PRIMARY KEY (key);


--
-- Name: dmarc_rows dmarc_rows_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dmarc_rows
    ADD CONSTRAINT dmarc_rows_pkey PRIMARY KEY (key, idx);


--
-- Name: esp_events esp_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.esp_events
    ADD CONSTRAINT esp_events_pkey PRIMARY KEY (provider, event_id);


--
-- Name: esp_tokens esp_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.esp_tokens
    ADD CONSTRAINT esp_tokens_pkey PRIMARY KEY (provider, token);


--
-- Name: inboxtrace_meta inboxtrace_meta_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inboxtrace_meta
    ADD CONSTRAINT inboxtrace_meta_pkey PRIMARY KEY (key);


--
-- Name: log_deliveries log_deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.log_deliveries
    ADD CONSTRAINT log_deliveries_pkey PRIMARY KEY (mkey, recipient);


--
-- Name: log_messages log_messages_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.log_messages
    ADD CONSTRAINT log_messages_pkey PRIMARY KEY (mkey);


--
-- Name: log_sources log_sources_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.log_sources
    ADD CONSTRAINT log_sources_pkey PRIMARY KEY (key);


--
-- Name: placement_results placement_results_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.placement_results
    ADD CONSTRAINT placement_results_pkey PRIMARY KEY (test_id, address);


--
-- Name: placement_sends placement_sends_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.placement_sends
    ADD CONSTRAINT placement_sends_pkey PRIMARY KEY (test_id, address);


--
-- Name: placement_tests placement_tests_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.placement_tests
    ADD CONSTRAINT placement_tests_pkey PRIMARY KEY (test_id);


--
-- Name: placement_tests placement_tests_token_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.placement_tests
    ADD CONSTRAINT placement_tests_token_key UNIQUE (token);


--
-- Name: tlsrpt_failures tlsrpt_failures_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlsrpt_failures
    ADD CONSTRAINT tlsrpt_failures_pkey PRIMARY KEY (key, policy_idx, idx);


--
-- Name: tlsrpt_policies tlsrpt_policies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlsrpt_policies
    ADD CONSTRAINT tlsrpt_policies_pkey PRIMARY KEY (key, idx);


--
-- Name: tlsrpt_reports tlsrpt_reports_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlsrpt_reports
    ADD CONSTRAINT tlsrpt_reports_pkey PRIMARY KEY (key);


--
-- Name: web_sessions web_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.web_sessions
    ADD CONSTRAINT web_sessions_pkey PRIMARY KEY (digest);


--
-- Name: web_tokens web_tokens_digest_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.web_tokens
    ADD CONSTRAINT web_tokens_digest_key UNIQUE (digest);


--
-- Name: web_tokens web_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.web_tokens
    ADD CONSTRAINT web_tokens_pkey PRIMARY KEY (token_id);


--
-- Name: web_users web_users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.web_users
    ADD CONSTRAINT web_users_pkey PRIMARY KEY (username);


--
-- Name: ix_bounce_messages_orig_msgid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_bounce_messages_orig_msgid ON public.bounce_messages USING btree (orig_message_id);


--
-- Name: ix_bounce_messages_qid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_bounce_messages_qid ON public.bounce_messages USING btree (queue_id);


--
-- Name: ix_bounce_recipients_rcpt; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_bounce_recipients_rcpt ON public.bounce_recipients USING btree (recipient_lc);


--
-- Name: ix_bounce_recipients_reason; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_bounce_recipients_reason ON public.bounce_recipients USING btree (reason);


--
-- Name: ix_check_runs_domain; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_check_runs_domain ON public.check_runs USING btree (domain, created);


--
-- Name: ix_dmarc_failures_domain; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_dmarc_failures_domain ON public.dmarc_failures USING btree (domain, arrival);


--
-- Name: ix_dmarc_reports_domain_begin; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_dmarc_reports_domain_begin ON public.dmarc_reports USING btree (domain, date_begin);


--
-- Name: ix_dmarc_rows_ip; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_dmarc_rows_ip ON public.dmarc_rows USING btree (source_ip);


--
-- Name: ix_esp_events_mkey; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_esp_events_mkey ON public.esp_events USING btree (mkey);


--
-- Name: ix_esp_events_msgid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_esp_events_msgid ON public.esp_events USING btree (provider, message_id);


--
-- Name: ix_esp_events_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_esp_events_time ON public.esp_events USING btree ("time");


--
-- Name: ix_log_deliveries_first; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_log_deliveries_first ON public.log_deliveries USING btree (first_time);


--
-- Name: ix_log_deliveries_last_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_log_deliveries_last_time ON public.log_deliveries USING btree (last_time);


--
-- Name: ix_log_deliveries_orcpt; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_log_deliveries_orcpt ON public.log_deliveries USING btree (lower(original_recipient));


--
-- Name: ix_log_deliveries_rcpt; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_log_deliveries_rcpt ON public.log_deliveries USING btree (lower((recipient)::text));


--
-- Name: ix_log_deliveries_rqid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_log_deliveries_rqid ON public.log_deliveries USING btree (remote_queue_id);


--
-- Name: ix_log_deliveries_state_last; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_log_deliveries_state_last ON public.log_deliveries USING btree (final_state, last_time);


--
-- Name: ix_log_messages_dsn_of; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_log_messages_dsn_of ON public.log_messages USING btree (dsn_of);


--
-- Name: ix_log_messages_msgid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_log_messages_msgid ON public.log_messages USING btree (message_id);


--
-- Name: ix_log_messages_qid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_log_messages_qid ON public.log_messages USING btree (queue_id);


--
-- Name: ix_log_messages_sender; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_log_messages_sender ON public.log_messages USING btree (lower(sender));


--
-- Name: ix_tlsrpt_policies_domain; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tlsrpt_policies_domain ON public.tlsrpt_policies USING btree (policy_domain);


--
-- Name: bounce_recipients bounce_recipients_digest_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bounce_recipients
    ADD CONSTRAINT bounce_recipients_digest_fkey FOREIGN KEY (digest) REFERENCES public.bounce_messages(digest);


--
-- Name: dmarc_rows dmarc_rows_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dmarc_rows
    ADD CONSTRAINT dmarc_rows_key_fkey FOREIGN KEY (key) REFERENCES public.dmarc_reports(key);


--
-- Name: log_deliveries log_deliveries_mkey_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.log_deliveries
    ADD CONSTRAINT log_deliveries_mkey_fkey FOREIGN KEY (mkey) REFERENCES public.log_messages(mkey);


--
-- Name: tlsrpt_failures tlsrpt_failures_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlsrpt_failures
    ADD CONSTRAINT tlsrpt_failures_key_fkey FOREIGN KEY (key) REFERENCES public.tlsrpt_reports(key);


--
-- Name: tlsrpt_policies tlsrpt_policies_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlsrpt_policies
    ADD CONSTRAINT tlsrpt_policies_key_fkey FOREIGN KEY (key) REFERENCES public.tlsrpt_reports(key);


--
-- PostgreSQL database dump complete
--

\unrestrict A2lG678yxSUT7b63kDDwJm8buHn4utnAbVT8Pv6RnzjYjEHMIwyW9cXZeFlW5Pe

