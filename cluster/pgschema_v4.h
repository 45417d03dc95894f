/* Central schema version 4 (issue 14, the CLI's reads and node instances),
 * kept apart from the other migrations so it merges as one block; included
 * only by cluster/pgschema.c, inside its DO text.
 *
 * - version_cmp() gets rpm's and apk's order (it raised an error for them)
 *   and rc_order() uses it for every manager, so central `changes` says
 *   upgraded/downgraded for rpm and apk as the local ones do. The functions
 *   follow storage/version.c step by step; cluster_reads.sh compares their
 *   answers with the local C ones over a table of pairs.
 * - fact_match() (hosts --where) follows storage/where.c: numbers and sizes
 *   (B, K..P powers of 1024, KB..PB powers of 1000), dpkg order for
 *   versions and text, a glob (fnmatch(3) without flags) for ~, and the
 *   same errors. CREATE OR REPLACE keeps each function's identity, so the
 *   views that call them need no change.
 * - nodes gets the instance that holds the name (a random id per daemon
 *   start, its machine and pid): see pgschema_beat. */
#ifndef ROLLCALL_CLUSTER_PGSCHEMA_V4_H
#define ROLLCALL_CLUSTER_PGSCHEMA_V4_H

/* rpmvercmp on two parts (rpm rpmio/rpmvercmp.c, as storage/version.c). */
#define V4_RPMVERCMP \
"    CREATE FUNCTION rc_rpmvercmp(a text, b text) RETURNS integer" \
"      LANGUAGE plpgsql IMMUTABLE AS $f$ DECLARE sa text; sb text;" \
"      isnum boolean; BEGIN IF a = b THEN RETURN 0; END IF;" \
"      LOOP" \
"        a := regexp_replace(a, '^[^0-9A-Za-z~^]+', '');" \
"        b := regexp_replace(b, '^[^0-9A-Za-z~^]+', '');" \
"        IF left(a, 1) = '~' OR left(b, 1) = '~' THEN" \
"          IF left(a, 1) <> '~' THEN RETURN 1; END IF;" \
"          IF left(b, 1) <> '~' THEN RETURN -1; END IF;" \
"          a := substr(a, 2); b := substr(b, 2); CONTINUE; END IF;" \
"        IF left(a, 1) = '^' OR left(b, 1) = '^' THEN" \
"          IF a = '' THEN RETURN -1; END IF;" \
"          IF b = '' THEN RETURN 1; END IF;" \
"          IF left(a, 1) <> '^' THEN RETURN 1; END IF;" \
"          IF left(b, 1) <> '^' THEN RETURN -1; END IF;" \
"          a := substr(a, 2); b := substr(b, 2); CONTINUE; END IF;" \
"        EXIT WHEN a = '' OR b = '';" \
"        isnum := left(a, 1) ~ '[0-9]';" \
"        IF isnum THEN sa := substring(a from '^[0-9]+');" \
"          sb := substring(b from '^[0-9]+');" \
"        ELSE sa := substring(a from '^[A-Za-z]+');" \
"          sb := substring(b from '^[A-Za-z]+'); END IF;" \
"        IF sb IS NULL THEN RETURN CASE WHEN isnum THEN 1 ELSE -1 END;" \
"          END IF;" \
"        a := substr(a, length(sa) + 1); b := substr(b, length(sb) + 1);" \
"        IF isnum THEN sa := ltrim(sa, '0'); sb := ltrim(sb, '0');" \
"          IF length(sa) <> length(sb) THEN" \
"            RETURN sign(length(sa) - length(sb)); END IF; END IF;" \
"        IF sa <> sb THEN RETURN CASE WHEN sa COLLATE \"C\" < sb" \
"          THEN -1 ELSE 1 END; END IF;" \
"      END LOOP;" \
"      IF a = b THEN RETURN 0; END IF;" \
"      RETURN CASE WHEN a = '' THEN -1 ELSE 1 END; END $f$;"

/* One apk token (apk-tools src/version.c, as storage/version.c): from
 * position p (1-based) of s with token type t (-1 invalid, 0 digit or
 * zero, 1 digit, 2 letter, 3 suffix, 4 suffix number, 5 revision, 6 end),
 * its value v and the position and type after it. */
#define V4_APK_GET \
"    CREATE FUNCTION rc_apk_get(s text, INOUT p integer, INOUT t integer," \
"      OUT v numeric) LANGUAGE plpgsql IMMUTABLE AS $f$ DECLARE" \
"      i integer := 0; nt integer := -1; ch text; r text;" \
"      pre text[] := ARRAY['alpha', 'beta', 'pre', 'rc'];" \
"      post text[] := ARRAY['cvs', 'svn', 'git', 'hg', 'p']; BEGIN v := 0;" \
"      IF p > length(s) THEN t := 6; RETURN; END IF; r := substr(s, p);" \
"      IF t = 0 AND left(r, 1) = '0' THEN" \
"        i := length(substring(r from '^0+')); nt := 1; v := -i;" \
"      ELSIF t IN (0, 1, 4, 5) THEN" \
"        i := coalesce(length(substring(r from '^[0-9]+')), 0);" \
"        IF i > 0 THEN v := substr(r, 1, i)::numeric; END IF;" \
"      ELSIF t = 2 THEN v := ascii(r); i := 1;" \
"      ELSIF t = 3 THEN" \
"        FOR k IN 1..4 LOOP IF starts_with(r, pre[k]) THEN" \
"          i := length(pre[k]); v := k - 5; EXIT; END IF; END LOOP;" \
"        IF i = 0 THEN FOR k IN 1..5 LOOP IF starts_with(r, post[k]) THEN" \
"          i := length(post[k]); v := k - 1; EXIT; END IF; END LOOP; END IF;" \
"        IF i = 0 THEN t := -1; v := -1; RETURN; END IF;" \
"      ELSE t := -1; v := -1; RETURN; END IF;" \
"      p := p + i;" \
"      IF p > length(s) THEN t := 6; RETURN; END IF;" \
"      IF nt <> -1 THEN t := nt; RETURN; END IF;" \
"      ch := substr(s, p, 1); nt := -1;" \
"      IF t IN (0, 1) AND ch ~ '^[a-z]$' THEN nt := 2;" \
"      ELSIF t = 2 AND ch ~ '^[0-9]$' THEN nt := 1;" \
"      ELSIF t = 3 AND ch ~ '^[0-9]$' THEN nt := 4;" \
"      ELSE IF ch = '.' THEN nt := 0; ELSIF ch = '_' THEN nt := 3;" \
"        ELSIF ch = '-' AND substr(s, p + 1, 1) = 'r' THEN nt := 5;" \
"          p := p + 1; END IF;" \
"        p := p + 1; END IF;" \
"      IF nt < t AND NOT ((nt = 0 AND t = 1) OR (nt = 3 AND t = 4) OR" \
"        (nt = 1 AND t = 2)) THEN nt := -1; END IF;" \
"      t := nt; END $f$;"

/* apk's comparison; where both stop at invalid text, the rest compares
 * bytewise, as storage/version.c keeps the order total. */
#define V4_APK_CMP \
"    CREATE FUNCTION rc_apk_cmp(a text, b text) RETURNS integer" \
"      LANGUAGE plpgsql IMMUTABLE AS $f$ DECLARE xp integer := 1;" \
"      xt integer := 1; yp integer := 1; yt integer := 1; av numeric := 0;" \
"      bv numeric := 0; tp integer; tt integer; tv numeric; BEGIN" \
"      WHILE xt = yt AND xt NOT IN (6, -1) AND av = bv LOOP" \
"        SELECT g.p, g.t, g.v INTO xp, xt, av FROM rc_apk_get(a, xp, xt) g;" \
"        SELECT g.p, g.t, g.v INTO yp, yt, bv FROM rc_apk_get(b, yp, yt) g;" \
"      END LOOP;" \
"      IF av <> bv THEN RETURN CASE WHEN av < bv THEN -1 ELSE 1 END;" \
"        END IF;" \
"      IF xt = yt THEN IF xt <> -1 OR substr(a, xp) = substr(b, yp)" \
"        THEN RETURN 0; END IF; RETURN CASE WHEN substr(a, xp) COLLATE" \
"        \"C\" < substr(b, yp) THEN -1 ELSE 1 END; END IF;" \
"      IF xt = 3 THEN SELECT g.p, g.t, g.v INTO tp, tt, tv" \
"        FROM rc_apk_get(a, xp, xt) g; IF tv < 0 THEN RETURN -1; END IF;" \
"        END IF;" \
"      IF yt = 3 THEN SELECT g.p, g.t, g.v INTO tp, tt, tv" \
"        FROM rc_apk_get(b, yp, yt) g; IF tv < 0 THEN RETURN 1; END IF;" \
"        END IF;" \
"      RETURN CASE WHEN xt > yt THEN -1 ELSE 1 END; END $f$;"

/* version_cmp by manager: epoch, version, release as storage/version.c
 * splits them (rpm compares the release only when both have one). */
#define V4_VERSION_CMP \
"    CREATE OR REPLACE FUNCTION version_cmp(m text, a text, b text)" \
"      RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $f$ DECLARE" \
"      ea numeric; eb numeric; ra text; rb text; c int; BEGIN" \
"      IF a IS NULL OR b IS NULL THEN RETURN NULL; END IF;" \
"      IF m = 'apk' THEN RETURN rc_apk_cmp(a, b); END IF;" \
"      ea := coalesce(substring(a from '^([0-9]+):'), '0')::numeric;" \
"      eb := coalesce(substring(b from '^([0-9]+):'), '0')::numeric;" \
"      IF ea <> eb THEN RETURN sign(ea - eb); END IF;" \
"      a := regexp_replace(a, '^[0-9]+:', '');" \
"      b := regexp_replace(b, '^[0-9]+:', '');" \
"      ra := coalesce(substring(a from '-([^-]*)$'), '');" \
"      rb := coalesce(substring(b from '-([^-]*)$'), '');" \
"      a := regexp_replace(a, '-[^-]*$', '');" \
"      b := regexp_replace(b, '-[^-]*$', '');" \
"      IF m = 'rpm' THEN c := rc_rpmvercmp(a, b);" \
"        IF c <> 0 OR ra = '' OR rb = '' THEN RETURN c; END IF;" \
"        RETURN rc_rpmvercmp(ra, rb); END IF;" \
"      c := rc_verrevcmp(a, b);" \
"      IF c <> 0 THEN RETURN c; END IF;" \
"      RETURN rc_verrevcmp(ra, rb); END $f$;" \
"    CREATE OR REPLACE FUNCTION rc_order(m text, a text, b text)" \
"      RETURNS integer LANGUAGE sql IMMUTABLE AS" \
"      $f$ SELECT version_cmp(m, a, b) $f$;"

/* What a --where operand or value reads as (storage/where.c
 * where_classify): kind 'number', 'size', 'version', 'text' or 'badunit',
 * and the number for the first two. */
#define V4_CLASSIFY \
"    CREATE FUNCTION rc_classify(s text, OUT kind text," \
"      OUT v double precision) LANGUAGE plpgsql IMMUTABLE AS $f$ DECLARE" \
"      num text; rest text; mult double precision; BEGIN" \
"      num := substring(s from" \
"        '^([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)');" \
"      IF num IS NULL THEN kind := 'text'; RETURN; END IF;" \
"      rest := substr(s, length(num) + 1);" \
"      IF rest !~ '^[A-Za-z]*$' THEN kind := 'version'; RETURN; END IF;" \
"      IF rest = '' THEN kind := 'number'; v := num::double precision;" \
"        RETURN; END IF;" \
"      mult := CASE upper(rest) WHEN 'B' THEN 1" \
"        WHEN 'K' THEN 1024.0 WHEN 'KIB' THEN 1024.0 WHEN 'KB' THEN 1e3" \
"        WHEN 'M' THEN 1048576.0 WHEN 'MIB' THEN 1048576.0" \
"        WHEN 'MB' THEN 1e6 WHEN 'G' THEN 1073741824.0" \
"        WHEN 'GIB' THEN 1073741824.0 WHEN 'GB' THEN 1e9" \
"        WHEN 'T' THEN 1099511627776.0 WHEN 'TIB' THEN 1099511627776.0" \
"        WHEN 'TB' THEN 1e12 WHEN 'P' THEN 1125899906842624.0" \
"        WHEN 'PIB' THEN 1125899906842624.0 WHEN 'PB' THEN 1e15 END;" \
"      IF mult IS NULL THEN kind := 'badunit'; RETURN; END IF;" \
"      kind := 'size'; v := num::double precision * mult; END $f$;"

/* fnmatch(3) without flags as a regular expression: * ? [...] ([!...]
 * negated), a backslash quotes the next character. */
#define V4_FNMATCH \
"    CREATE FUNCTION rc_fnmatch(p text, s text) RETURNS boolean" \
"      LANGUAGE plpgsql IMMUTABLE AS $f$ DECLARE re text := ''; i int := 1;" \
"      j int; ch text; cls text; BEGIN" \
"      WHILE i <= length(p) LOOP ch := substr(p, i, 1);" \
"        IF ch = '\\' AND i < length(p) THEN i := i + 1;" \
"          re := re || '\\' || substr(p, i, 1);" \
"        ELSIF ch = '*' THEN re := re || '.*';" \
"        ELSIF ch = '?' THEN re := re || '.';" \
"        ELSIF ch = '[' THEN j := i + 1;" \
"          IF substr(p, j, 1) IN ('!', '^') THEN j := j + 1; END IF;" \
"          IF substr(p, j, 1) = ']' THEN j := j + 1; END IF;" \
"          WHILE j <= length(p) AND substr(p, j, 1) <> ']' LOOP" \
"            j := j + 1; END LOOP;" \
"          IF j > length(p) THEN re := re || '\\[';" \
"          ELSE cls := substr(p, i + 1, j - i - 1);" \
"            IF left(cls, 1) = '!' THEN cls := '^' || substr(cls, 2);" \
"            END IF;" \
"            re := re || '[' || replace(cls, '\\', '\\\\') || ']'; i := j;" \
"          END IF;" \
"        ELSE re := re || regexp_replace(ch, '([.+(){}|^$\\\\\\]])'," \
"          '\\\\\\1');" \
"        END IF; i := i + 1; END LOOP;" \
"      RETURN s ~ ('^(?:' || re || ')$'); END $f$;"

/* fact_match(value, op, operand) as storage/where.c where_match. */
#define V4_FACT_MATCH \
"    CREATE OR REPLACE FUNCTION fact_match(v text, op text, x text)" \
"      RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $f$ DECLARE" \
"      cv record; cx record; c int; BEGIN" \
"      IF op IS NULL OR op NOT IN ('=', '!=', '<', '<=', '>', '>=', '~')" \
"        THEN RAISE EXCEPTION 'fact_match: unknown operator (use = != < <=" \
" > >= ~)'; END IF;" \
"      IF v IS NULL OR x IS NULL THEN RETURN false; END IF;" \
"      IF op = '~' THEN RETURN rc_fnmatch(x, v); END IF;" \
"      cv := rc_classify(v); cx := rc_classify(x);" \
"      IF op IN ('=', '!=') THEN" \
"        IF cv.kind IN ('number', 'size') AND cx.kind IN ('number', 'size')" \
"          THEN RETURN (cv.v = cx.v) = (op = '='); END IF;" \
"        RETURN (v = x) = (op = '='); END IF;" \
"      IF cx.kind = 'badunit' THEN RAISE EXCEPTION 'unknown size unit ''%''" \
" in ''%'' (B; K M G T P or KiB..PiB: powers of 1024; KB MB GB TB PB:" \
" powers of 1000)', substr(x, length(substring(x from" \
"        '^[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?'))" \
"        + 1), x; END IF;" \
"      IF cv.kind IN ('number', 'size') AND cx.kind IN ('number', 'size')" \
"        THEN c := CASE WHEN cv.v < cx.v THEN -1 WHEN cv.v > cx.v THEN 1" \
"        ELSE 0 END;" \
"      ELSIF cx.kind IN ('text', 'version') OR (cx.kind = 'number' AND" \
"        cv.kind = 'version') THEN c := version_cmp('dpkg', v, x);" \
"      ELSE RAISE EXCEPTION '''%'' is not a number, cannot compare it" \
" with %', v, x; END IF;" \
"      RETURN CASE op WHEN '<' THEN c < 0 WHEN '<=' THEN c <= 0" \
"        WHEN '>' THEN c > 0 ELSE c >= 0 END; END $f$;"

/* The whole step. */
#define PGSCHEMA_V4 \
"DO $v4$ DECLARE v integer; BEGIN" \
"  SELECT max(version) INTO v FROM rollcall_schema;" \
"  IF v < 4 THEN" \
V4_RPMVERCMP \
V4_APK_GET \
V4_APK_CMP \
V4_VERSION_CMP \
V4_CLASSIFY \
V4_FNMATCH \
V4_FACT_MATCH \
"    ALTER TABLE nodes ADD COLUMN instance text," \
"      ADD COLUMN instance_host text, ADD COLUMN instance_pid integer;" \
"    INSERT INTO rollcall_schema VALUES (4);" \
"  END IF;" \
"END $v4$;"

#endif
