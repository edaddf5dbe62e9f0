-- A Redis Functions library (FUNCTION LOAD) with one function, which applies a batch of case
-- lifecycle transitions in one center's slot, atomically per call. The build puts two lines before
-- this text: the library's header, "#!lua name=<NAME>", and "local FUNCTION_NAME = '<NAME>'", where
-- NAME is docket_transition_ and the first 16 hex digits of this text's SHA1, so that schedulers of
-- two versions (a rolling upgrade) each call their own. Everything above the function is built
-- once, when the library is loaded, rather than on every call as a script's body would be.
--
-- Called as FCALL <NAME> <number of keys> KEYS... ARGV...:
--
-- KEYS[1]  the center's case hash     docket:{c:<CENTER>}:cases  (receipt -> record)
-- KEYS[2]  the center's audit stream  docket:{c:<CENTER>}:audit
-- KEYS[3]  the center's answers to idempotency keys of this TTL period, and KEYS[4] those of the
--          period before: docket:{c:<CENTER>}:answers:<period>, period = floor(now / TTL),
--          key -> "<expires at>|<answer>"
-- KEYS[5+] named by index below: the call's retry key, docket:{c:<CENTER>}:idem:<key>, and the
--          leader's term key
-- ARGV[1]  now, Unix seconds (the caller's clock, so that time is injectable)
-- ARGV[2]  TTL of a caller's idempotency key, seconds
-- ARGV[3]  TTL of the call's retry key, seconds
-- ARGV[4]  index into KEYS of the call's retry key (0 = none): a call repeated after a lost
--          connection finds its answers there and changes nothing
-- ARGV[5]  index into KEYS of the leader's term key, docket:{leader}:term (0 = none: no leader
--          election, e.g. a single scheduler or a test)
-- ARGV[6]  the leader term the caller holds; with a term key, the call is refused as a whole
--          (error reply "FENCED ...", nothing changed) unless it equals the stored term, so a
--          deposed leader cannot write after a newer one was elected
-- then 9 arguments per transition:
--   op, receipt, expected epoch, actor, officer, arg, idempotency key ('' = none), record, detail
--
-- Returns one string per transition: "ok|<state>|<epoch>", "dup|<state>|<epoch>" (a receipt
-- already received or imported, a transfer already taken in, or an ACCEPT sent again by the
-- officer who holds the case at that epoch) or "err|<code>|<message>". A repeated
-- idempotency key returns the first answer unchanged and changes nothing. One transition's
-- refusal does not stop the others. A fenced call (ARGV[5], ARGV[6]) returns the error reply
-- "FENCED ..." instead and changes nothing.
--
-- The record is positional text (docs/architecture.md, "Key schema"); field numbers below.
local F_VER, F_STATE, F_FORM, F_PRIO, F_RECEIVED, F_DEADLINE, F_OFFICER, F_EPOCH = 1, 2, 3, 4, 5, 6, 7, 8
local F_SENIOR, F_PREFERRED, F_EXCLUDED, F_OUTCOME, F_RFE_AT, F_TRANSFER_TO = 13, 14, 15, 18, 19, 20
local F_CENTER, F_LAST_AUDIT = 21, 22
local FIELDS = 22

-- The call's keys, its time and its working state (below). They belong to the library rather than
-- to the function, so that the functions that use them are built once; transition() sets every
-- one of them before it uses them, so nothing of one call is seen by the next.
local cases, audit, answers, answers_before, now
local entries, audited, cache, dirty, dirty_order, new_records, new_refs, stored

-- While a library loads, Redis lets its code reach redis.register_function and nothing of Lua's
-- own libraries (string, setmetatable, tostring), so what needs them is built by build(), on the
-- first call, and kept for the calls after.
--
-- RECORD: one pattern match takes a record apart (one call into C instead of two per field). A
-- record that does not have FIELDS fields yields an empty table.
-- NEW_RECORD: a new record as intake sends it: FIELDS - 1 fields, each ending in '|' (the audit
-- id is added).
local RECORD, NEW_RECORD
local function split(s)
  return {string.match(s, RECORD)}
end

-- Lua 5.1 turns a number into text with sprintf ('%.14g'), which costs more than the rest of a
-- short concatenation, and text into a number with strtod. The few numbers the calls write over
-- and over (epochs, audit references, lengths) are converted once, on first use, and kept for
-- the calls after (a memo starts over at MEMO_LIMIT entries, so that it stays small).
-- TEXT: a number as text. NEXT: an epoch's successor as text, nil for text that is not a number.
-- REF: an audit reference within the call's entry.
local MEMO_LIMIT = 4096
local function memo(f)
  local size = 0
  return setmetatable({}, {__index = function(t, k)
    local v = f(k)
    if v ~= nil then
      if size == MEMO_LIMIT then
        for old in pairs(t) do t[old] = nil end
        size = 0
      end
      t[k] = v
      size = size + 1
    end
    return v
  end})
end
local TEXT, NEXT, REF

local function build()
  RECORD = '^' .. string.rep('([^|]*)|', FIELDS - 1) .. '([^|]*)$'
  NEW_RECORD = '^' .. string.rep('[^|]*|', FIELDS - 1) .. '$'
  TEXT = memo(tostring)
  NEXT = memo(function(e)
    local n = tonumber(e)
    return n and tostring(n + 1)
  end)
  REF = memo(function(n) return '.' .. n end)
end

local function requeue_state(rec)
  if rec[F_SENIOR] == '1' then return 'qa_review' end
  return 'queued'
end

local function excluded(rec, officer)
  for id in string.gmatch(rec[F_EXCLUDED], '[^,]+') do
    if id == officer then return true end
  end
  return false
end

-- Each rule: the states it starts from, whether the officer must match the holder, and a
-- function that changes the record and returns the new state (or nil, message to refuse). A rule
-- refuses before it changes anything.
local function bump(rec) rec[F_EPOCH] = NEXT[rec[F_EPOCH]] end

local RULES = {
  queue = {from = {received = true}, apply = function(rec) return 'queued' end},
  offer = {from = {queued = true, qa_review = true}, apply = function(rec, t)
    if t.officer == '' then return nil, 'offer needs an officer' end
    if excluded(rec, t.officer) then return nil, 'officer ' .. t.officer .. ' is excluded from this case' end
    rec[F_OFFICER] = t.officer
    bump(rec)
    return 'offered'
  end},
  accept = {from = {offered = true}, holder = true, apply = function(rec) return 'assigned' end},
  decline = {from = {offered = true}, holder = true, apply = function(rec)
    rec[F_OFFICER] = ''
    bump(rec)
    return requeue_state(rec)
  end},
  offer_timeout = {from = {offered = true}, apply = function(rec)
    rec[F_OFFICER] = ''
    bump(rec)
    return requeue_state(rec)
  end},
  lease_expiry = {from = {offered = true, assigned = true}, apply = function(rec)
    rec[F_OFFICER] = ''
    bump(rec)
    return requeue_state(rec)
  end},
  rfe_out = {from = {assigned = true}, holder = true, apply = function(rec, t)
    if rec[F_SENIOR] == '1' then return nil, 'a QA review cannot request evidence' end
    rec[F_PREFERRED] = rec[F_OFFICER]
    rec[F_OFFICER] = ''
    rec[F_RFE_AT] = now
    bump(rec)
    return 'rfe_pending'
  end},
  rfe_in = {from = {rfe_pending = true}, apply = function(rec, t)
    -- arg: the deadline recomputed by the caller (a premium clock starts over or resumes).
    if t.arg ~= '' then
      if not tonumber(t.arg) then return nil, 'rfe_in deadline must be Unix seconds' end
      rec[F_DEADLINE] = t.arg
    end
    rec[F_RFE_AT] = ''
    bump(rec)
    return 'queued'
  end},
  decide = {from = {assigned = true}, holder = true, apply = function(rec, t)
    if rec[F_SENIOR] == '1' then return nil, 'a QA review is recorded with qa_review' end
    if t.arg ~= 'approve' and t.arg ~= 'deny' then return nil, 'outcome must be approve or deny' end
    rec[F_OUTCOME] = t.arg
    bump(rec)
    return 'decided'
  end},
  qa_sample = {from = {decided = true}, apply = function(rec)
    -- The deciding officer may never review their own decision.
    if rec[F_OFFICER] ~= '' and not excluded(rec, rec[F_OFFICER]) then
      rec[F_EXCLUDED] = rec[F_EXCLUDED] == '' and rec[F_OFFICER] or (rec[F_EXCLUDED] .. ',' .. rec[F_OFFICER])
    end
    rec[F_OFFICER] = ''
    rec[F_SENIOR] = '1'
    bump(rec)
    return 'qa_review'
  end},
  qa_review = {from = {assigned = true}, holder = true, apply = function(rec, t)
    if rec[F_SENIOR] ~= '1' then return nil, 'not under QA review' end
    if t.arg ~= 'approve' and t.arg ~= 'deny' then return nil, 'outcome must be approve or deny' end
    rec[F_OUTCOME] = t.arg
    rec[F_SENIOR] = '0'
    bump(rec)
    return 'decided'
  end},
  hold = {from = {received = true, queued = true, assigned = true}, apply = function(rec, t)
    if rec[F_STATE] == 'assigned' and t.officer ~= rec[F_OFFICER] then
      return nil, 'only the holder may refer an assigned case'
    end
    rec[F_OFFICER] = ''
    bump(rec)
    return 'on_hold'
  end},
  release = {from = {on_hold = true}, apply = function(rec)
    bump(rec)
    return requeue_state(rec)
  end},
  transfer_out = {from = {received = true, queued = true, on_hold = true}, apply = function(rec, t)
    if t.arg == '' or t.arg == rec[F_CENTER] then return nil, 'transfer needs another center' end
    rec[F_TRANSFER_TO] = t.arg
    bump(rec)
    return 'transferred'
  end},
}

-- The call's audit, as one stream entry (docs/architecture.md, "Key schema"): first the field
-- `t`, the call's time (Unix s), then one field `c` per transition, in order:
-- receipt|op|to|epoch|officer|previous reference|<bytes of who>|<who><detail>, where the bytes
-- of who are '=' when the actor is the officer (a desk acting for itself, the usual case). The
-- two free texts come last, the actor behind its length, so that neither needs escaping. The
-- state a transition starts from is the `to` of the one before it in the chain, so it is not
-- written: every byte of the audit is paid again in the AOF and in memory. A transition's
-- reference is "<entry id>.<transition number>"; a previous reference written as ".<n>" is in
-- the same entry. One XADD per call instead of one per transition: the command, its ID and its
-- AOF record are paid once. The entry's id is only known once it is added, so until then the
-- call's records hold the relative reference, and the entry is added (and the references
-- completed) every 1023 transitions, which keeps XADD's arguments within what unpack can pass.

-- Records read or changed by this call, by receipt: a case touched twice in one call (an accept
-- and its decision, pipelined by a desk) is parsed once and written once, at the end of the call.
-- Every transition still gets its own audit field, and the call is atomic, so nothing outside
-- can see the difference. A new record from intake is kept as the text it came in
-- (new_records, with its audit reference apart in new_refs) unless a later transition of the
-- call needs it taken apart.
-- The stored records of the call's cases (stored) are read up front with one HMGET per 256 cases
-- rather than one HGET each (false: no such case).

local function flush_audit()
  if #entries == 2 then return end
  local id = redis.call('XADD', audit, '*', unpack(entries))
  for _, receipt in ipairs(audited) do
    local rec = cache[receipt]
    if rec then
      if string.byte(rec[F_LAST_AUDIT], 1) == 46 then rec[F_LAST_AUDIT] = id .. rec[F_LAST_AUDIT] end
    elseif string.byte(new_refs[receipt], 1) == 46 then
      new_refs[receipt] = id .. new_refs[receipt]
    end
  end
  entries, audited = {'t', now}, {}
end

-- Called before a transition reads its case's previous reference, so that a flush in between
-- cannot leave it relative to an entry already added.
local function room()
  if #entries == 2048 then flush_audit() end
end

local function audit_entry(receipt, op, to, epoch, officer, prev, who, detail)
  -- An actor who is the officer is written as '=' in place of its length, and not again.
  local length = '='
  if who == officer then who = '' else length = TEXT[#who] end
  entries[#entries + 1] = 'c'
  entries[#entries + 1] = receipt .. '|' .. op .. '|' .. to .. '|' .. epoch .. '|' .. officer ..
                          '|' .. prev .. '|' .. length .. '|' .. who .. detail
  audited[#audited + 1] = receipt
  return REF[#entries / 2 - 1]
end

local function add_audit(rec, t, to)
  room()
  rec[F_LAST_AUDIT] = audit_entry(t.receipt, t.op, to, rec[F_EPOCH], rec[F_OFFICER],
                                  rec[F_LAST_AUDIT], t.actor, t.detail)
end

local function load(receipt)
  local rec = cache[receipt]
  if rec then return rec end
  local raw = new_records[receipt]
  if raw then
    rec = split(raw .. new_refs[receipt])
    new_records[receipt], new_refs[receipt] = nil, nil
  else
    raw = stored[receipt]
    if raw == nil then raw = redis.call('HGET', cases, receipt) end
    if not raw then return nil end
    rec = split(raw)
  end
  cache[receipt] = rec
  return rec
end

local function save(receipt, rec)
  cache[receipt] = rec
  if not dirty[receipt] then
    dirty[receipt] = true
    dirty_order[#dirty_order + 1] = receipt
  end
end

local function apply_one(t)
  if t.op == 'receive' or t.op == 'import' or t.op == 'transfer_in' then
    local rec = load(t.receipt)
    local incoming
    if rec then
      if t.op ~= 'transfer_in' or rec[F_STATE] ~= 'transferred' then
        return 'dup|' .. rec[F_STATE] .. '|' .. rec[F_EPOCH]
      end
      -- The case left this center once and is coming back: the tombstone gives way to a newer
      -- move only (epochs grow with every move), so a stale resume cannot revive a case twice.
      incoming = split(t.record)
      if #incoming ~= FIELDS or not NEXT[incoming[F_EPOCH]] or
         tonumber(incoming[F_EPOCH]) < tonumber(rec[F_EPOCH]) then
        return 'dup|' .. rec[F_STATE] .. '|' .. rec[F_EPOCH]
      end
    end
    if t.op ~= 'transfer_in' then
      -- The hot path of intake: the caller sends the record as it must be stored, less the
      -- audit id at its end; it is checked without being taken apart.
      local state = t.op == 'import' and 'queued' or 'received'
      local head = '1|' .. state .. '|'
      if not string.find(t.record, NEW_RECORD) or string.sub(t.record, 1, #head) ~= head then
        return 'err|bad_request|a new record must be version 1, in state ' .. state ..
               ', with ' .. FIELDS .. ' fields and no audit id'
      end
      -- Kept as text (not parsed into the cache): intake is the hot path.
      room()
      new_records[t.receipt] = t.record
      new_refs[t.receipt] = audit_entry(t.receipt, t.op, state, '0', '', '', t.actor, t.detail)
      if not dirty[t.receipt] then
        dirty[t.receipt] = true
        dirty_order[#dirty_order + 1] = t.receipt
      end
      return 'ok|' .. state .. '|0'
    end
    rec = incoming or split(t.record)
    if #rec ~= FIELDS or rec[F_VER] ~= '1' or not NEXT[rec[F_EPOCH]] then
      return 'err|bad_request|the record does not have ' .. FIELDS .. ' fields (version 1)'
    end
    rec[F_STATE] = requeue_state(rec)
    rec[F_TRANSFER_TO] = ''
    bump(rec)
    -- arg names the source center: the history chain continues in its audit stream.
    rec[F_LAST_AUDIT] = t.arg ~= '' and (t.arg .. '/' .. rec[F_LAST_AUDIT]) or ''
    add_audit(rec, t, rec[F_STATE])
    save(t.receipt, rec)
    return 'ok|' .. rec[F_STATE] .. '|' .. rec[F_EPOCH]
  end

  local rule = RULES[t.op]
  if not rule then return 'err|bad_request|unknown operation ' .. t.op end
  local rec = load(t.receipt)
  if not rec then return 'err|unknown_case|' .. t.receipt .. ' is not in this center' end
  if #rec ~= FIELDS or not NEXT[rec[F_EPOCH]] then
    return 'err|bad_request|the stored record of ' .. t.receipt .. ' is malformed (not ' .. FIELDS .. ' fields)'
  end
  if t.epoch ~= rec[F_EPOCH] then
    return 'err|stale_epoch|expected epoch ' .. t.epoch .. ', the case is at ' .. rec[F_EPOCH]
  end
  local from = rec[F_STATE]
  if t.op == 'accept' and from == 'assigned' and t.officer == rec[F_OFFICER] then
    -- An ACCEPT sent again by the officer who holds the case at this epoch: its first answer was
    -- lost (a call cut off after it ran). Accepting leaves the epoch as it was, so the officer
    -- already holds what they accepted; nothing changes.
    return 'dup|assigned|' .. rec[F_EPOCH]
  end
  if not rule.from[from] then
    return 'err|illegal|' .. t.op .. ' is not allowed from ' .. from
  end
  if rule.holder and t.officer ~= rec[F_OFFICER] then
    return 'err|not_holder|' .. t.officer .. ' does not hold the case'
  end
  -- Rules check everything before they change the record (it may be the cached one), so a
  -- refusal leaves it as it was.
  local to, why = rule.apply(rec, t)
  if not to then return 'err|illegal|' .. why end
  rec[F_STATE] = to
  add_audit(rec, t, to)
  save(t.receipt, rec)
  return 'ok|' .. to .. '|' .. rec[F_EPOCH]
end

local function transition(KEYS, ARGV)
  if not RECORD then build() end
  cases, audit, answers, answers_before = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
  now = ARGV[1]
  local ttl, retry_ttl = tonumber(ARGV[2]), tonumber(ARGV[3])

  -- Fencing first, once per call: a caller whose term is not the current one changes nothing and
  -- learns nothing from the stored answers either. One GET, whatever the number of transitions.
  local term_index = tonumber(ARGV[5])
  if term_index > 0 then
    local current = redis.call('GET', KEYS[term_index]) or '0'
    if current ~= ARGV[6] then
      return redis.error_reply('FENCED leader term ' .. ARGV[6] .. ' is not the current term ' .. current)
    end
  end

  local call_key = tonumber(ARGV[4]) > 0 and KEYS[tonumber(ARGV[4])] or nil
  if call_key then
    local answered = redis.call('GET', call_key)
    if answered then return cjson.decode(answered) end
  end

  -- The call's working state, made here (past the answers that need none) and dropped at the end.
  entries, audited = {'t', now}, {}
  cache, dirty, dirty_order, new_records, new_refs, stored = {}, {}, {}, {}, {}, {}
  local out = {}
  local n = (#ARGV - 6) / 9

  -- Idempotency keys: the answers of the call's keys, read with one HMGET per period (a key's
  -- answer is in the current period's hash or the one before), and each first answer kept with its
  -- own expiry, checked here against the caller's clock, so a key answers for exactly the TTL. A
  -- period's hash expires as a whole once every answer in it has (two periods after it began):
  -- one hash field per decision instead of a key with its own TTL.
  local known, fresh, keys = {}, {}, {}
  local receipts = {}
  for i = 0, n - 1 do
    local key = ARGV[6 + i * 9 + 7]
    if key ~= '' then keys[#keys + 1] = key end
    local receipt = ARGV[6 + i * 9 + 2]
    if stored[receipt] == nil then
      stored[receipt] = false
      receipts[#receipts + 1] = receipt
    end
  end
  for first = 1, #receipts, 256 do
    local last = math.min(#receipts, first + 255)
    local got = redis.call('HMGET', cases, unpack(receipts, first, last))
    for k = first, last do stored[receipts[k]] = got[k - first + 1] end
  end
  local now_n = tonumber(now)
  local expires_at = tostring(now_n + ttl) .. '|'
  for _, hash in ipairs({answers_before, answers}) do
    for first = 1, #keys, 256 do
      local part = {unpack(keys, first, math.min(#keys, first + 255))}
      local got = redis.call('HMGET', hash, unpack(part))
      for k, v in ipairs(got) do
        if v then
          local bar = string.find(v, '|', 1, true)
          if tonumber(string.sub(v, 1, bar - 1)) > now_n then known[part[k]] = string.sub(v, bar + 1) end
        end
      end
    end
  end
  -- Before answers lived in the period hashes, each had its own key, docket:{c:<CENTER>}:idem:<key>;
  -- such a key still answers for the rest of its TTL. It is read only for a transition that the
  -- rules refuse, which is what a repeated transition would otherwise get.
  local legacy_prefix = string.sub(KEYS[1], 1, -6) .. 'idem:'

  local t = {}
  for i = 0, n - 1 do
    local b = 6 + i * 9
    -- One table for every transition of the call: nothing keeps a reference to it past its turn.
    t.op, t.receipt, t.epoch, t.actor = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4]
    t.officer, t.arg, t.idem = ARGV[b + 5], ARGV[b + 6], ARGV[b + 7]
    t.record, t.detail = ARGV[b + 8], ARGV[b + 9]
    local key = t.idem ~= '' and t.idem or nil
    local answer = key and known[key]
    if not answer then
      answer = apply_one(t)
      if key then
        if string.sub(answer, 1, 4) == 'err|' then
          answer = redis.call('GET', legacy_prefix .. key) or answer
        end
        known[key] = answer
        fresh[#fresh + 1] = key
        fresh[#fresh + 1] = expires_at .. answer
      end
    end
    out[#out + 1] = answer
  end
  if #fresh > 0 then
    for first = 1, #fresh, 512 do
      redis.call('HSET', answers, unpack(fresh, first, math.min(#fresh, first + 511)))
    end
    -- Relative to the caller's clock, which the answers' own expiry follows.
    redis.call('EXPIRE', answers, (math.floor(now_n / ttl) + 2) * ttl - now_n)
  end
  flush_audit()
  -- The changed records, one HSET per 256 cases (unpack's arguments live on Lua's C stack).
  local args = {}
  for i, receipt in ipairs(dirty_order) do
    args[#args + 1] = receipt
    local rec = cache[receipt]
    args[#args + 1] = rec and table.concat(rec, '|') or (new_records[receipt] .. new_refs[receipt])
    if #args == 512 or i == #dirty_order then
      redis.call('HSET', cases, unpack(args))
      args = {}
    end
  end
  if call_key then redis.call('SET', call_key, cjson.encode(out), 'EX', retry_ttl) end
  -- The call's records and audit are not kept until the next call (a library another version
  -- replaced may never be called again).
  entries, audited, cache, dirty, dirty_order, new_records, new_refs, stored =
    nil, nil, nil, nil, nil, nil, nil, nil
  return out
end

redis.register_function{function_name = FUNCTION_NAME, callback = transition}
