#!/usr/bin/env bash
# A first session, start to end: a bureau officer, a partner department and the public, against a
# running service with the demo data (`make run` in another terminal). Run it from anywhere:
#
#   bash docs/walkthrough.sh
#
# Every command is one you can copy; the variables are defined here. tests/integration/
# test_walkthrough.py runs this file on a fresh database, so it stays true. What each step shows
# is explained in docs/walkthrough.md.
set -euo pipefail
cd "$(dirname "$0")/.."                           # the repository root

BASE="${BASE:-http://127.0.0.1:8000}"             # the service (make run: HOST and PORT)
BIN="${BIN:-.venv/bin}"                           # where make install put registry and python
REGISTRY="$BIN/registry"
PY="$BIN/python"
# the demo accounts' secrets, written by `registry demo` beside the keys folder (mode 600)
CREDENTIALS="${CREDENTIALS:-var/demo-credentials.json}"
ROWS="${ROWS:-10000}"                             # rows of the import file, of which BAD are bad
BAD="${BAD:-300}"
WORK="${WORK:-var/walkthrough}"                   # scratch files (me.json holds a secret)
mkdir -p "$WORK"
chmod 700 "$WORK"
json() { "$PY" -c "import json,sys;d=json.load(sys.stdin);print($1)"; }    # read one value
problem() { json "(d['status'], d.get('reason') or [e['code'] for e in d.get('errors', [])] or d['code'])"; }
step() { printf '\n== %s\n' "$*"; }

step "1. a bureau account for 郑州市二七区应急管理局 (the authority is created if it does not exist)"
"$REGISTRY" accounts create --role bureau --name "二七区 张三" --division 410103 --level county \
  --kind officer --json > "$WORK/me.json"
CID=$(json "d['client_id']" < "$WORK/me.json")
SECRET=$(json "d['client_secret']" < "$WORK/me.json")
echo "client_id $CID (secret in $WORK/me.json)"

step "2. a token (OAuth2 client credentials, RFC 6749 4.4; valid 15 minutes)"
TOKEN=$(curl -fsS -u "$CID:$SECRET" -d grant_type=client_credentials "$BASE/api/v1/auth/token" \
  | json "d['access_token']")
AUTH="Authorization: Bearer $TOKEN"
echo "token ${TOKEN:0:24}..."

step "3. register an enterprise (the USCC passes the GB 32100 check)"
# (a second run answers 409: it exists)
curl -sS -H "$AUTH" -H 'content-type: application/json' \
  -d '{"uscc":"91410103MA9GXK5P91","name":"郑州示例机械有限公司","division_code":"410103","industry":"machinery","scale":"above_scale"}' \
  "$BASE/api/v1/enterprises" | json "(d['uscc'], d['name']) if 'uscc' in d else (d['status'], d['code'])"

step "4. import $ROWS rows of which $BAD are bad: the good ones stored, the bad reported with row, field and reason"
"$PY" -m bench.make_csv --rows "$ROWS" --bad "$BAD" --division 410103 "$WORK/enterprises.csv"
curl -fsS -H "$AUTH" -F file=@"$WORK/enterprises.csv" "$BASE/api/v1/enterprises/import" \
  | json "({k: d[k] for k in ('rows', 'created', 'updated', 'unchanged', 'rejected')}, d['errors'][0])"

step "5. the same file again changes nothing (created 0, updated 0)"
curl -fsS -H "$AUTH" -F file=@"$WORK/enterprises.csv" "$BASE/api/v1/enterprises/import" \
  | json "{k: d[k] for k in ('rows', 'created', 'updated', 'unchanged', 'rejected')}"

step "6. the same import from the command line, with a JSON report"
"$REGISTRY" import enterprises "$WORK/enterprises.csv" --report "$WORK/report.json"

step "7. outside the bureau's area (Shenzhen 440305): 403 outside_jurisdiction, and the attempt is audited"
curl -sS -H "$AUTH" -H 'content-type: application/json' \
  -d '{"uscc":"91440305MA5FXK5P0D","name":"深圳示例有限公司","division_code":"440305","industry":"machinery","scale":"micro"}' \
  "$BASE/api/v1/enterprises" | problem
"$REGISTRY" audit verify

step "8. grades and events of demo enterprises in 二七区"
# 91410103MA0000007U holds a 三级 grade announced 2024-02-29; 91410103MA0000082L had two 较大 accidents
curl -fsS -H "$AUTH" "$BASE/api/v1/enterprises/91410103MA0000007U/grades" | json "[(g['level'], g['status']) for g in d['grades']]"
curl -fsS -H "$AUTH" "$BASE/api/v1/events?uscc=91410103MA0000082L" | json "[(e['kind'], e['occurred_on']) for e in d['items']]"
curl -fsS -H "$AUTH" "$BASE/api/v1/events?division=4101&kind=accident&history=true" | json "len(d['items'])"

step "9. what the rules decide on stored facts, then a what-if with an art. 114 penalty (nothing is stored)"
curl -fsS -H "$AUTH" -H 'content-type: application/json' -d '{"subject": {"uscc": "91410103MA0000082L"}}' \
  "$BASE/api/v1/rules/evaluate" | json "d['decision']['fired']"
curl -fsS -H "$AUTH" -H 'content-type: application/json' \
  -d '{"subject": {"uscc": "91410103MA0000007U"}, "families": ["listing"], "hypothetical": {"events":
       [{"id": -1, "kind": "penalty", "occurred_on": "2026-11-01", "multiplier": 2.5, "articles": [114]}]}}' \
  "$BASE/api/v1/rules/evaluate" | json "d['decision']['fired']"
curl -fsS -H "$AUTH" "$BASE/api/v1/rules" | json "sorted(d)"

step "10. the listing workflow: a proposal needs a rule decision (422 no_rule_decision)"
curl -fsS -H "$AUTH" "$BASE/api/v1/listings?status=listed" | json "len(d['items'])"
curl -sS -H "$AUTH" -H 'content-type: application/json' \
  -H "Idempotency-Key: $("$PY" -c 'import uuid;print(uuid.uuid4())')" \
  -d '{"subject": {"uscc": "91410103MA0000007U"}}' "$BASE/api/v1/listings" | problem

step "11. a second officer decides: two 二七区 officers of the demo"
# demo-erqi proposed and notified the demo's listings in 二七区; demo-erqi-b is a second officer;
# demo-erqi-mobile is demo-erqi's own second account (the same person)
TOKEN_A=$("$REGISTRY" accounts token demo-erqi)
TOKEN_B=$("$REGISTRY" accounts token demo-erqi-b)
TOKEN_M=$("$REGISTRY" accounts token demo-erqi-mobile)
# 91410103MA0000082L: notified 2 days before the demo was loaded; while its statement period
# (陈述申辩期, REGISTRY_LISTING_STATEMENT_DAYS, default 5) runs, a decision is refused: 409
L8=$(curl -fsS -H "Authorization: Bearer $TOKEN_A" "$BASE/api/v1/listings?uscc=91410103MA0000082L" | json "d['items'][0]['id']")
V8=$(curl -fsS -H "Authorization: Bearer $TOKEN_A" "$BASE/api/v1/listings/$L8" | json "d['version']")
curl -sS -H "Authorization: Bearer $TOKEN_B" -H 'content-type: application/json' \
  -d "{\"version\": $V8, \"decision_no\": \"二七应急信决〔2026〕8号\"}" "$BASE/api/v1/listings/$L8/approve" | problem
# 91410103MA0000197T: notified long enough before the demo was loaded that its period has ended
L40=$(curl -fsS -H "Authorization: Bearer $TOKEN_A" "$BASE/api/v1/listings?uscc=91410103MA0000197T" | json "d['items'][0]['id']")
curl -fsS -H "Authorization: Bearer $TOKEN_A" "$BASE/api/v1/listings/$L40" > "$WORK/listing.json"
json "(d['status'], d['notice'])" < "$WORK/listing.json"
V40=$(json "d['version']" < "$WORK/listing.json")
if [ "$(json "d['status']" < "$WORK/listing.json")" = notified ]; then
  # the proposer, from another account of the same person: 422 same_officer
  curl -sS -H "Authorization: Bearer $TOKEN_M" -H 'content-type: application/json' \
    -d "{\"version\": $V40, \"decision_no\": \"二七应急信决〔2026〕40号\"}" "$BASE/api/v1/listings/$L40/approve" | problem
  # the second officer: listed
  curl -fsS -H "Authorization: Bearer $TOKEN_B" -H 'content-type: application/json' \
    -d "{\"version\": $V40, \"decision_no\": \"二七应急信决〔2026〕40号\"}" "$BASE/api/v1/listings/$L40/approve" \
    | json "(d['status'], d['decision'])"
else
  echo "decided on an earlier run (a fresh demo: stop the service, rm var/registry.db, make run)"
fi

step "12. the transparency log, checked offline (no server needed for the last command)"
curl -fsS "$BASE/api/v1/log/checkpoint" > "$WORK/cp.json"
curl -fsS "$BASE/.well-known/jwks.json" > "$WORK/jwks.json"
N=$(json "d['payload']['tree_size']" < "$WORK/cp.json")
curl -fsS "$BASE/api/v1/log/proof/inclusion?leaf_index=0&tree_size=$N" > "$WORK/proof.json"
"$REGISTRY" verify inclusion "$WORK/proof.json" --checkpoint "$WORK/cp.json" --jwks "$WORK/jwks.json"

step "13. a partner department's signed answer (demo-partner-mof), verified offline with the JWKS"
MOF_SECRET=$(json "d['accounts']['demo-partner-mof']['client_secret']" < "$CREDENTIALS")
P=$(curl -fsS -d "grant_type=client_credentials&client_id=demo-partner-mof&client_secret=$MOF_SECRET" \
  "$BASE/api/v1/auth/token" | json "d['access_token']")
curl -fsS -H "Authorization: Bearer $P" "$BASE/api/v1/partner/status/91410108MA0000015Y" > "$WORK/answer.json"
json "(d['request_id'], d['payload']['subject'])" < "$WORK/answer.json"
"$REGISTRY" verify answer "$WORK/answer.json" --jwks "$WORK/jwks.json"

step "14. the public: no account; search by name and a unit's signed disclosure"
curl -fsS "$BASE/api/v1/public/enterprises?q=%E6%83%A0%E6%B5%8E" | json "len(d['items'])"   # q=惠济
curl -fsS "$BASE/api/v1/public/enterprises/91410108MA0000015Y" > "$WORK/public.json"
"$REGISTRY" verify answer "$WORK/public.json" --jwks "$WORK/jwks.json"
echo; echo "done: scratch files in $WORK; the pages: $BASE/ (search 郑州 or 惠济)"
