// The scenario keys, once (harness/keys.h). The rows of docs/scenario-format.md's key tables are
// printed from here (`idemsim keys --markdown PARENT`; tests/keys_test.cpp fails when the docs and
// this table disagree), and the loader takes each mapping's known keys from here.
#include "harness/keys.h"

namespace idem::harness {

namespace {

// A section's rows: the key column as the docs show it, then the section's other columns.
// `retired`: documented (a file that has it is told what replaced it), not accepted.
const std::vector<KeySection> kSections = {
    {"", {"key", "type", "default", "meaning"}, {
        {"name", {R"(`name`)", R"(string)", R"(required)", R"(shown in tables and results)"}, false},
        {"description", {R"(`description`)", R"(string)", R"(none)", R"(free text)"}, false},
        {"include", {R"(`include`)", R"(list of file names (or one))", R"(none)", R"(files whose `faults`, `service` and `regions` are merged into this scenario, each path relative to this file's folder: a team's shared fault plan or service in one place. An included file has only those keys (with `include` of its own, and `description`); faults are added in the order of the includes (an include's own includes first), then this file's; `service` and `regions` are merged key by key, a later file's over an earlier one's and this file's over all. An error in an included file is given with its own place and `(included from FILE:LINE:COLUMN)`; a file that includes itself, even through others, is refused. Shown in `replay`'s header as `world include file=`; `idemsim run`'s results name the contents of every file read)"}, false},
        {"seed", {R"(`seed`)", R"(whole number, 0 to 2^64-1)", R"(`1`)", R"(first seed; `--seed` overrides)"}, false},
        {"runs", {R"(`runs`)", R"(whole number, 1 to 10,000,000)", R"(`1`)", R"(seeds to run; `--runs` overrides)"}, false},
        {"semantics", {R"(`semantics`)", R"(`current` or `2013`)", R"(`current`)", R"(token rules, see below)"}, false},
        {"limit", {R"(`limit`)", R"(duration)", R"(`48h`)", R"(simulated time after which no event runs (intents the clients were not done with by then, or had not begun, count as `open`))"}, false},
        {"regions", {R"(`regions`)", R"(mapping)", R"(`{us-east-1: {zones: [us-east-1a, us-east-1b]}}`)", R"(Regions, each a regional endpoint)"}, false},
        {"network", {R"(`network`)", R"(mapping)", R"(see below)", R"(the network between clients and endpoints)"}, false},
        {"service", {R"(`service`)", R"(mapping)", R"(see below)", R"(the EC2 service)"}, false},
        {"clients", {R"(`clients`)", R"(list of client groups)", R"(required)", R"(who launches what)"}, false},
        {"reapers", {R"(`reapers`)", R"(list of reapers)", R"(none)", R"(cleanup jobs that terminate instances they believe nobody owns, see below)"}, false},
        {"faults", {R"(`faults`)", R"(list of faults)", R"(none)", R"(what goes wrong)"}, false},
        {"heal_at", {R"(`heal_at`)", R"(duration)", R"(none)", R"(every fault ends here, whatever its window says; with it, the `liveness` property is checked. Shown in `replay`'s header as `world promises heal-at=`)"}, false},
        {"converge", {R"(`converge`)", R"(duration (needs `heal_at`))", R"(`5m`)", R"(after `heal_at` (or after an intent begins, if later), every intent must reach a definite end (an answer that is not "unknown") within this)"}, false},
        {"max_attempts_per_intent", {R"(`max_attempts_per_intent`)", R"(1 to 1,000,000)", R"(none)", R"(with it, the `amplification` property: no intent makes more attempts than this, across every layer (SDK retries, application calls, reconciling Describes))"}, false},
        {"leaks", {R"(`leaks`)", R"(mapping: `max_age` (duration, at least 1us), `max_instance_hours` (a number of instance-hours above 0, at most 6 decimals))", R"(none)", R"(with it, the `leaks` property: an instance launched for an intent that no answer to the intent named (a **leaked** instance: its caller cannot know it exists) must be gone, terminated by anyone (a reaper, a reconciler, the caller), within `max_age` of its launch; and the lives of all leaked instances of a run, each from its launch to when it was gone (or the `limit`), add up to at most `max_instance_hours`. Either key alone checks its half. "Gone" is when its termination was taken plus `service.terminate_time`. A leaked instance still running at the `limit` fails `max_age` only once it is older than that. Shown in `replay`'s header as `world promises leaks-max-age= leaks-max-instance-hours=`)"}, false},
        {"bugs", {R"(`bugs`)", R"(list of planted bug names)", R"(none)", R"(deliberate departures from the token rules, to prove the checker catches them; each is described in [bugs.md](bugs.md). Shown in `replay`'s header as `world bug NAME`)"}, false},
        {"explore", {R"(`explore`)", R"(mapping)", R"(the default envelope)", R"(what `idemsim check` may draw for this scenario: fault kinds, how many, when, how long, how often, and which caller settings and token values vary; see [`explore`](#explore-the-envelope-idemsim-check-searches) below. `run` does not read it. Shown in `replay`'s header as `world explore ...`)"}, false},
        {"expect", {R"(`expect`)", R"(`pass`, `fail` or `{fail: PROPERTY}`)", R"(`pass`)", R"(`fail` documents a bug: the checker must catch it in at least one run. `{fail: token-instances}` (or `answers`, `token-collision`, `intent-instances`, `intent-exact`, `no-false-reap`, `liveness`, `amplification`, `leaks`) names the property the bug breaks: the scenario is then caught only by that property, and a run caught only by others is reported as a warning and the scenario as missed)"}, false},
    }},
    {"regions.*", {"key", "type", "default", "meaning"}, {
        {"zones", {R"(`zones`)", R"(list of strings)", R"(`[]`)", R"(Availability Zones a request may name)"}, false},
        {"subnets", {R"(`subnets`)", R"(mapping subnet id → zone)", R"(`{}`)", R"(subnets a request may name; each in one of `zones`)"}, false},
        {"latency", {R"(`latency`)", R"(latency)", R"(`network.latency`)", R"(one-way latency between this Region's clients and its endpoint)"}, false},
    }},
    {"network", {"key", "type", "default", "meaning"}, {
        {"latency", {R"(`latency`)", R"(latency)", R"(`{min: 500us, median: 1ms, p99: 5ms, max: 20ms}`)", R"(one-way latency of each message)"}, false},
    }},
    {"service", {"key", "type", "default", "meaning"}, {
        {"latency", {R"(`latency`)", R"(latency)", R"(`40ms`)", R"(processing time of each call (a frontend's work); for a launch it is part of the `launch` step, which ends when the instances exist)"}, false},
        {"launch_time", {R"(`launch_time`)", R"(duration)", R"(`30s`)", R"(an instance is `pending` this long, then `running`)"}, false},
        {"terminate_time", {R"(`terminate_time`)", R"(duration)", R"(`10s`)", R"(`shutting-down` this long after TerminateInstances, then `terminated`)"}, false},
        {"describe_lag", {R"(`describe_lag`)", R"(duration)", R"(`1s`)", R"(a new instance is invisible to DescribeInstances this long (eventual consistency))"}, false},
        {"tag_lag", {R"(`tag_lag`)", R"(duration)", R"(`0`)", R"(then a listing (a reaper's DescribeInstances without filters) shows it without its tags this much longer. Shown in `replay`'s header as `tag-lag=` when set)"}, false},
        {"token_retention", {R"(`token_retention`)", R"(duration)", R"(`24h`)", R"(`2013` only: how long after its instances terminate a token still answers)"}, false},
        {"capacity", {R"(`capacity`)", R"(mapping instance type → count)", R"(unlimited)", R"(instances of a type that may run at once per Region; a launch gets between MinCount and MaxCount, or `InsufficientInstanceCapacity` (500) below MinCount)"}, false},
        {"frontends", {R"(`frontends`)", R"(1 to 64)", R"(`1`)", R"(the frontends each Region's requests are spread over; each is a process that can crash (`faults[].crash`) and has its own clock (`faults[].skew`). Shown in `replay`'s header as `world frontends count= balancer=`)"}, false},
        {"balancer", {R"(`balancer`)", R"(`random` or `round-robin`)", R"(`random`)", R"(how a request picks a frontend among those up: `random` draws one (from the calling client's own stream), `round-robin` takes the next in turn, per Region. With every frontend down the connection is refused: the client learns at once, like a reset)"}, false},
        {"store", {R"(`store`)", R"(mapping)", R"(see below)", R"(the token store every frontend of a Region shares)"}, false},
        {"steps", {R"(`steps`)", R"(mapping)", R"(all `0`)", R"(the durations of a launch's steps, see below)"}, false},
        {"recover", {R"(`recover`)", R"(`true` or `false`)", R"(`true`)", R"(`false` is a bug to study: a frontend crash between `launch` and `record` forgets the token instead of binding the launch to it, so a retry launches again. Shown in `replay`'s header as `world recover` (with a crash fault, or when false))"}, false},
        {"throttle", {R"(`throttle`)", R"(`{bucket, refill}`)", R"(none (no quota))", R"(EC2's request quota, a token bucket per account and Region: `bucket` (1 to 10^9, required) requests at most, refilled at `refill` (required), written as requests per time: `2/s`, `100/m`, `1/500ms`. The bucket starts full; every request (RunInstances, DescribeInstances, TerminateInstances) takes one; an empty bucket answers `RequestLimitExceeded` (503) before anything else happens, and the SDK retries it with its throttling backoff. Shown as `world throttle bucket= refill=`; the run summary and results file count the requests it turned away (`throttled`))"}, false},
        {"token_window", {R"(`token_window`)", R"(—)", R"(—)", R"(removed: it is now `store.ttl` (a file that still has it is told so, with its place))"}, true},
    }},
    {"service.store", {"key", "type", "default", "meaning"}, {
        {"write", {R"(`write`)", R"(`conditional` or `read-then-write`)", R"(`conditional`)", R"(`conditional`: the token's record is made with one atomic insert-if-absent at the store's primary, so of two requests with one token exactly one makes it and the other finds it. `read-then-write` (a bug to study): the frontend reads, and inserts `gap` later with a plain put; two requests inside the gap (a duplicate delivery, a retry on another frontend) both miss, both launch, and the later put overwrites the earlier record)"}, false},
        {"gap", {R"(`gap`)", R"(duration (only with `read-then-write`))", R"(`2ms`)", R"(from the read to the insert; the launch starts after the insert)"}, false},
        {"replicas", {R"(`replicas`)", R"(1 to 16)", R"(`1`)", R"(the primary and its read replicas. A `read-then-write` read goes to one of them, drawn per request (replica 0 is the primary); a `conditional` insert is decided at the primary, which has every record, so replicas do not matter to it)"}, false},
        {"lag", {R"(`lag`)", R"(duration (needs `replicas` of 2 or more))", R"(`0`)", R"(a replica sees a record this long after it reached the primary (later changes to a record it sees are seen at once))"}, false},
        {"durability", {R"(`durability`)", R"(`durable` or `volatile`)", R"(`durable`)", R"(`volatile` (a bug to study): a store crash (`faults[].crash` with `target: store`) loses every record of the Region, so a retry after it launches again. A `durable` store keeps them)"}, false},
        {"ttl", {R"(`ttl`)", R"(duration)", R"(none)", R"(the store forgets a record this long after it was written (its launch recorded), whatever its instances do: a dedupe window. One shorter than the longest retry chain lets a late retry launch again, which the checker reports (a TTL is never a licence to launch twice))"}, false},
    }},
    {"service.steps", {"key", "default", "the step"}, {
        {"validate", {R"(`validate`)", R"(`0`)", R"(rule 1 and the parameters)"}, false},
        {"reserve", {R"(`reserve`)", R"(`0`)", R"(the round trip to the token store. At its end, in one instant, the request is validated and its token's record is made, with the request's parameters, before anything launches (or found: a repeat, a mismatch, a launch in flight to join). An answer that launches nothing (a 400, a repeat's original answer) leaves `latency + reply` after that instant)"}, false},
        {"launch", {R"(`launch`)", R"(`0`)", R"(plus the service `latency` draw and any `spike`: at its end the instances exist)"}, false},
        {"record", {R"(`record`)", R"(`0`)", R"(the launch's answer is bound to the token's record; requests that joined the launch get it)"}, false},
        {"reply", {R"(`reply`)", R"(`0`)", R"(the answer leaves the frontend)"}, false},
    }},
    {"clients[]", {"key", "type", "default", "meaning"}, {
        {"name", {R"(`name`)", R"(word)", R"(required)", R"(group name; clients are labelled `name#0`, `name#1`, …)"}, false},
        {"count", {R"(`count`)", R"(1 to 1,000,000)", R"(`1`)", R"(clients in the group, each with its own SDK client and retry quota)"}, false},
        {"region", {R"(`region`)", R"(Region name)", R"(the first Region)", R"(the endpoint it calls)"}, false},
        {"account", {R"(`account`)", R"(one word)", R"(`default`)", R"(the AWS account the group calls as. A token's scope is (account, Region[, zone]) + token: two accounts sending one token value are two unrelated tokens, and DescribeInstances shows an account only its own instances. Each account has its own request quota (`service.throttle`). Shown in `replay`'s header as `account=` when not `default`)"}, false},
        {"latency", {R"(`latency`)", R"(latency)", R"(the Region's)", R"(one-way latency between these clients and their Region's endpoint (a group far from its endpoint))"}, false},
        {"intents", {R"(`intents`)", R"(1 to 1,000,000)", R"(`1`)", R"(launches each client means to make, one after another)"}, false},
        {"intent", {R"(`intent`)", R"(word)", R"(the group's `name`)", R"(the logical launch the group's intents belong to. Groups that name the same intent are **one** intent sent again (a repeat, rule 2): intent *k* of client *i* of each such group is the same intent, so the checker expects one reservation for them together. Groups with different intents that send one token in one scope are two intents sharing a token (a collision, incident 2), which the checker reports whatever the service answers (the first's reservation, or a mismatch); one token in two Regions, or two zones under `current`, is two scopes and no collision. One intent is one launch: groups in two Regions (or, under `current`, two zones) that name one intent get a reservation in each, which the checker reports as a duplicate. Shown in `replay`'s header as `intent=`)"}, false},
        {"start", {R"(`start`)", R"(latency)", R"(`0`)", R"(when a client's first intent begins)"}, false},
        {"think", {R"(`think`)", R"(latency)", R"(`0`)", R"(pause between one intent's end and the next)"}, false},
        {"request", {R"(`request`)", R"(mapping)", R"(see below)", R"(the RunInstances parameters)"}, false},
        {"token", {R"(`token`)", R"(`sdk`, `persisted`, `write-back`, `per-attempt`, `derived`, `timestamp`, `none` or `{value: STRING}`)", R"(`sdk`)", R"(`sdk`: a fresh UUID per SDK call, reused by the SDK's own retries only; `persisted`: one token per intent, made by the application and kept across every retry (each client makes its own: groups that share an `intent` do not share a persisted token; give them one `{value}`, or use `derived`); `write-back`: the SDK makes a UUID on the intent's first call and writes it into the caller's input, so the application's retries with the same input reuse it (Go v2 does this; JS v3 does not: with `@aws-sdk/client-ec2` 3.1177.0, one `RunInstancesCommand` sent twice after its answers were lost sent two different tokens, `command.input.ClientToken` staying undefined, so a JS v3 application's retries are `sdk`; see [sdk-profiles.md](sdk-profiles.md#how-each-sdk-fills-a-missing-client-token)); `per-attempt`: a new UUID on every attempt, the SDK's own retries included (the bug of incident 7: a token made inside the retry loop); `derived`: the token is the intent's durable id, `INTENT/CLIENT/K` (the group's `intent` or name, the client's index, the intent's number, like `launch-web/3/0`): the same for every retry, for groups that name one intent, and after a caller restart; `timestamp`: the time in whole seconds since 2026-01-01 (the simulation's time 0) plus a counter of the client's own, like `1767225600-1`, made once per intent: two clients (processes) that begin an intent in the same second send the same token (incident 2); `none`: no token; `{value: "..."}`: every call of the group sends exactly that string, valid or not (a 65-character, empty or non-ASCII token is sent as is, to test the service's validation); several groups may use one value, in one Region or several. Quote the value. Every client of the group, and every intent of each, sends that one string: with `count` or `intents` above 1 that is a token shared by several intents (a collision), unless they are one `intent`. Shown in `replay`'s header as `token=value token-value=`)"}, false},
        {"timeout", {R"(`timeout`)", R"(duration, or `none`)", R"(`2s`)", R"(per attempt; an attempt with no answer by then has an unknown outcome. `none`: no timeout per attempt (an SDK client left with its defaults: Go's `http.Client{}`, boto3 with a 60 s read timeout is closer to a duration), so an attempt whose answer is lost waits until the call's `deadline`, or forever without one (the liveness property then reports it). Shown in `replay`'s header as `timeout=`)"}, false},
        {"deadline", {R"(`deadline`)", R"(duration, or `none`)", R"(none)", R"(over a call, across all its SDK attempts and backoffs (Go's `context.WithTimeout` around one SDK call, a JS `AbortSignal.timeout`): an attempt still waiting when it passes ends there, a backoff that would end past it ends there, and the call ends with its outcome unknown (`why=deadline` in the trace) even when attempts are left. Each call (an application retry, a Describe, a termination) has its own. Shown in `replay`'s header as `deadline=`)"}, false},
        {"retry", {R"(`retry`)", R"(mapping)", R"(`{policy: aws-standard}`)", R"(the SDK's retry policy, see below)"}, false},
        {"app_retries", {R"(`app_retries`)", R"(0 to 1000)", R"(`0`)", R"(new calls the application makes after the SDK gives up (retryable error or timeout))"}, false},
        {"app_backoff", {R"(`app_backoff`)", R"(duration)", R"(`1s`)", R"(pause before each application-level retry)"}, false},
        {"reconcile", {R"(`reconcile`)", R"(`true` or `false`)", R"(`false`)", R"(the same as `on_unknown: reconcile`)"}, false},
        {"on_unknown", {R"(`on_unknown`)", R"(`retry`, `reconcile` or `block` (`block` stops the whole caller: its next intents never begin))", R"(`retry`)", R"(what the application does when a launch call ends with its outcome unknown (a 5xx, a timeout, a reset): `retry`: a new call after `app_backoff` (a new token unless the token behaviour keeps one); `reconcile`: first DescribeInstances filtered by the failed call's client token, through the SDK's retries: if it shows instances, the application adopts them instead of launching again (Describe lags by `service.describe_lag`, so a recent launch can still be missed), else it calls again; `block`: it writes "pending" down and stops until a human clears it (incident 9's fix): nothing launches twice, but neither this intent nor the group's next ones move; with `heal_at`, liveness reports it as waiting for a human. `retry` and `reconcile` need `app_retries`)"}, false},
        {"on_mismatch", {R"(`on_mismatch`)", R"(`fail`, `new-token` or `reconcile`)", R"(`fail`)", R"(after `IdempotentParameterMismatch`: `fail`: the intent fails; `new-token`: a new call with a fresh token (safe only when the token's first request launched nothing; the planted bug `new-token-on-mismatch` forces it); `reconcile`: DescribeInstances by the token first: adopt what it shows, else a new call with a fresh token. Needs `app_retries`)"}, false},
        {"on_describe_error", {R"(`on_describe_error`)", R"(`launch`, `retry` or `give-up`)", R"(`launch`)", R"(when a reconciling Describe still fails after the SDK's retries: `launch`: call again as if it had found nothing (a new user's careful controller duplicated this way); `retry`: Describe again after `app_backoff` (within `app_retries`); `give-up`: the intent ends with its outcome unknown. Shown in `replay`'s header with the two above (`on-unknown= on-mismatch= on-describe-error=`))"}, false},
        {"tag", {R"(`tag`)", R"(`on-create` or `after-answer`)", R"(`on-create`)", R"(how the group's instances get their owner tag (here the client token), which a reaper that reads tags goes by (`reaps: untagged`, or `not-in-store` with `match: tag`): `on-create`: in the RunInstances request (TagSpecifications), shown by a listing `service.describe_lag` + `service.tag_lag` after the launch; `after-answer`: with CreateTags once an answer names the reservation, shown `tag_lag` after that; an instance whose answer the caller never got is never tagged. Shown in the trace as `create-tags`, and in `replay`'s header as `tag=after-answer`)"}, false},
        {"on_terminated", {R"(`on_terminated`)", R"(`give-up`, `adopt` or `new-token`)", R"(`give-up`)", R"(what the caller does when a launch call is answered `IdempotentInstanceTerminated` (under `current`: the token's launch happened and its instances are terminated, by a reaper, an operator, Spot, a shutdown): `give-up`: the intent ends `failed` and is driven no more (a resync, a restart or a work queue leaves it alone); `adopt`: the intent ends as launched (`ok`), with no instance left to track; `new-token`: a replacement: a new call with a new token after `app_backoff`, whatever `app_retries` says (a `derived` token's replacement is derived too, `INTENT/CLIENT/K/r1`, so a restart that is told the same again sends the same replacement) (with `token: none` or a `{value}` there is no token to replace: it gives up). The checker counts a launch made after the caller was told its earlier launch's instances were terminated as a replacement, not a second launch of the intent. Under `2013` it has no effect (warned). Shown in `replay`'s header as `on-terminated=` when not `give-up`)"}, false},
        {"fallback_type", {R"(`fallback_type`)", R"(string)", R"(none)", R"(on `InsufficientInstanceCapacity`, the application retries with this type)"}, false},
        {"controller", {R"(`controller`)", R"(`{state, persist, resync, queue, store, on_persist_error}`)", R"(none)", R"(the third layer of the retry stack, see below)"}, false},
        {"batch", {R"(`batch`)", R"(1 to 10,000)", R"(`1`)", R"(batching (incident 12): up to this many intents go out as one call: the client's next intents not known to be done, so a client's last batch may be partly filled. A call that serves more than one intent asks for MinCount 1 and MaxCount (the number of intents it serves) × `request.max`; a call that serves one asks for `request.min` to `request.max`, as without batching. The reservation is fanned out in order, `request.max` instances to each intent while they last. A relaunch of the intents left short (`on_short: relaunch`) is sized the same way, by the intents it serves. `intent-exact` judges each intent by its share. A batching group cannot terminate, repeat or reconcile yet (refused with its place). Shown in the trace as `batch-of=` and `fan-out ... short=`)"}, false},
        {"on_short", {R"(`on_short`)", R"(`ignore` or `relaunch`)", R"(`ignore`)", R"(when a batch comes back with fewer instances than its intents: `ignore` records every intent of the batch as done, those left without instances too (the bug of incident 12); `relaunch` launches the intents left short again, in a new call with a new token)"}, false},
        {"terminate_after", {R"(`terminate_after`)", R"(duration)", R"(none)", R"(after a successful launch, terminate its instances this long after)"}, false},
        {"repeat_after", {R"(`repeat_after`)", R"(duration)", R"(none)", R"(then (or after the launch) repeat the successful RunInstances, same token, this long after)"}, false},
    }},
    {"clients[].controller", {"key", "type", "default", "meaning"}, {
        {"state", {R"(`state`)", R"(`durable` or `volatile`)", R"(`durable`)", R"(`durable`: what the caller learned survives a crash: the intents it knows to be done (their instance ids, or a definite failure) and the tokens it wrote down; `volatile`: nothing survives, so after a restart it drives every intent again from the first. Without a `controller` a caller's state is `volatile`)"}, false},
        {"persist", {R"(`persist`)", R"(`before-send`, `after-response` or `never`)", R"(`after-response`)", R"(when it writes an intent's token down: before the intent's first request leaves, or once an answer to it arrives (any answer, a 5xx too), or `never` (only what an answer settled is kept, as a Terraform state file keeps what an apply learned). A crash between the send and the write loses the token: the intent is driven again with a new one. It matters for the tokens a caller keeps per intent (`persisted`, `timestamp`, `write-back`); a `write-back` token is made by the SDK inside the call, so it can be written down only once an answer comes back, whatever `persist` says; a `derived` token is the same whatever was lost (and `sdk` or `per-attempt` tokens are never kept))"}, false},
        {"resync", {R"(`resync`)", R"(duration)", R"(none)", R"(without a `queue`: every `resync` after the caller's last intent, the controller drives again each intent whose outcome it never learned (an unknown outcome the application gave up on). A definite 4xx settles an intent, whatever came before it: an intent whose last call was answered `IdempotentParameterMismatch`, `IdempotentInstanceTerminated` (see `on_terminated`) or another 400 is not driven again)"}, false},
        {"queue", {R"(`queue`)", R"(mapping)", R"(none)", R"(a work queue per object, as a controller built on controller-runtime runs (see below); not with `resync`)"}, false},
        {"store", {R"(`store`)", R"(mapping: `fail` (a rate, default `0%`), `latency` (latency, default `0`))", R"(none (a database that never fails))", R"(the controller's database as a dependency: each write to it (the token before the send, with `persist: before-send`; what an answer told it) fails with probability `fail`, and a write before the send takes `latency` (the launch waits for it). A failed write of an answer leaves it known in memory only: a crash loses it, a `not-in-store` reaper does not see it, a work queue requeues the object. `faults[].database` does the same for a window. Shown in `replay`'s header as `store-fail=` `store-latency=`, and each write in the trace as `db-write`)"}, false},
        {"on_persist_error", {R"(`on_persist_error`)", R"(`abort` or `launch-anyway`)", R"(`abort`)", R"(when the write of an intent's token before the send fails: `abort`: the drive (the reconcile) ends without sending, and the intent is driven again later (a work queue requeues it, a `resync` or a restart drives it); `launch-anyway`: it sends all the same, with the token not written down (a crash then loses it). Shown in `replay`'s header as `on-persist-error=`)"}, false},
    }},
    {"clients[].controller.queue", {"key", "type", "default", "meaning"}, {
        {"workers", {R"(`workers`)", R"(1 to 1,024)", R"(`1`)", R"(reconcile workers sharing the queue in one process (controller-runtime's `MaxConcurrentReconciles`); a caller's crash kills all of them)"}, false},
        {"base", {R"(`base`)", R"(duration, at least 1us)", R"(`5ms`)", R"(the per-object backoff of the rate limiter after its first failed reconcile; it doubles with each failure in a row, and a reconcile that settles the object resets it (client-go's `ItemExponentialFailureRateLimiter`))"}, false},
        {"max", {R"(`max`)", R"(duration, at least `base`)", R"(`1000s`)", R"(the per-object backoff's ceiling)"}, false},
        {"qps", {R"(`qps`)", R"(1 to 1,000,000, a whole number)", R"(`10`)", R"(the overall bucket of the rate limiter: requeues a second across every object (client-go's `BucketRateLimiter`); a requeue waits the larger of the object's backoff and the bucket's)"}, false},
        {"burst", {R"(`burst`)", R"(1 to 1,000,000,000)", R"(`100`)", R"(the bucket's size; it starts full)"}, false},
        {"requeue_after", {R"(`requeue_after`)", R"(duration, at least 1us)", R"(none)", R"(instead of the rate limiter: a reconcile that does not settle its object requeues it this long after (a reconciler returning `ctrl.Result{RequeueAfter: D}`))"}, false},
        {"sync_period", {R"(`sync_period`)", R"(duration, or `none`)", R"(`10h`)", R"(every `sync_period` the process re-lists its objects and adds each one it does not know to be done (controller-runtime's `SyncPeriod`); `none`: never (the process is done once every object is settled or blocked and nothing is queued))"}, false},
    }},
    {"clients[].request", {"key", "type", "default", "meaning"}, {
        {"image", {R"(`image`)", R"(string, not empty)", R"(`ami-00000001`)", R"(ImageId)"}, false},
        {"type", {R"(`type`)", R"(string, not empty)", R"(`m5.large`)", R"(InstanceType)"}, false},
        {"min", {R"(`min`)", R"(1 to 10,000)", R"(`1`)", R"(MinCount)"}, false},
        {"max", {R"(`max`)", R"(1 to 10,000, at least `min`)", R"(`min` (or 1))", R"(MaxCount: the instances the intent intends at most)"}, false},
        {"key", {R"(`key`)", R"(string)", R"(none)", R"(KeyName)"}, false},
        {"zone", {R"(`zone`)", R"(zone of the client's Region)", R"(none)", R"(Placement.AvailabilityZone)"}, false},
        {"subnet", {R"(`subnet`)", R"(subnet of the client's Region (in `zone`, when both are given))", R"(none)", R"(SubnetId)"}, false},
    }},
    {"clients[].retry", {"key", "policies", "default", "meaning"}, {
        {"policy", {R"(`policy`)", R"(all)", R"(required, unless `sdk` is given)", R"(`none` (one attempt), `exponential`, `aws-standard` (the SDKs' standard mode as of 2020), `aws-standard-2026` (the 2026 behaviour), `aws-adaptive` (standard plus the client-side rate limiter) or `aws-legacy`; see the table below)"}, false},
        {"sdk", {R"(`sdk`)", R"(`"NAME VERSION"`)", R"(none)", R"(instead of `policy`: an SDK and its version, `awscli`, `botocore`, `js`, `go-v2` or `cpp`, like `"go-v2 1.48.0"`; idemsim picks the profile and its base delays from the table below (then no other key but `retry_codes` may be given). A version has two to four dotted parts of digits, a missing part counting as 0 (`1.48` is `1.48.0`); an unknown SDK or another version is an error. Shown in `replay`'s header as `sdk=` and in the run summary with the profile)"}, false},
        {"attempts", {R"(`attempts`)", R"(exponential, aws-standard)", R"(5; 3)", R"(attempts per call, the first included)"}, false},
        {"base", {R"(`base`)", R"(exponential, aws-standard)", R"(100ms)", R"(the first retry's backoff ceiling; doubles each retry)"}, false},
        {"cap", {R"(`cap`)", R"(exponential, aws-standard)", R"(20s)", R"(the largest ceiling)"}, false},
        {"jitter", {R"(`jitter`)", R"(exponential)", R"(`full`)", R"(`none` (the ceiling), `full` (0..ceiling), `equal` (ceiling/2..ceiling), `decorrelated` (base..3×previous, capped))"}, false},
        {"throttle_base", {R"(`throttle_base`)", R"(aws-standard)", R"(500ms)", R"(base after a throttling error (`RequestLimitExceeded`))"}, false},
        {"quota", {R"(`quota`)", R"(aws-standard)", R"(500)", R"(the client's retry quota)"}, false},
        {"cost", {R"(`cost`)", R"(aws-standard)", R"(5)", R"(quota a retry takes; a successful retry gives it back, a first-attempt success adds 1)"}, false},
        {"timeout_cost", {R"(`timeout_cost`)", R"(aws-standard)", R"(10)", R"(quota a retry after a timeout (or a connection reset) takes)"}, false},
        {"throttle_cost", {R"(`throttle_cost`)", R"(aws-* but legacy)", R"(5)", R"(quota a retry after throttling takes (before 2026 `cost` sets it too))"}, false},
        {"retry_codes", {R"(`retry_codes`)", R"(all but none)", R"(`[]`)", R"(4xx codes retried all the same; the only one allowed is `IncorrectState`, the 400 that may succeed later. A call that ends on it is still `failed` (nothing happened). Shown in `replay`'s header as `retry-code=`)"}, false},
    }},
    {"reapers[]", {"key", "type", "default", "meaning"}, {
        {"every", {R"(`every`)", R"(duration, at least 1s)", R"(required)", R"(time between sweeps (a reaper keeps the run going until `limit`))"}, false},
        {"reaps", {R"(`reaps`)", R"(`untagged`, `unknown` or `not-in-store`)", R"(required)", R"(`untagged`: instances the listing shows without tags; `unknown`: instances whose reservation no caller has recorded (no answer to an intent named it yet); `not-in-store`: instances the controllers' databases do not know: neither the instance's reservation (an intent its controller knows is done) nor the client token it was launched with is written down there. The database is what a controller with `state: durable` keeps (`clients[].controller`): the tokens it wrote (`persist` says when), and, with `token: derived`, every token of the objects it drives (the object's id is the token); a controller with `state: volatile` or no `controller` has none, so its instances are reaped)"}, false},
        {"match", {R"(`match`)", R"(`client-token` or `tag` (only with `not-in-store`))", R"(`client-token`)", R"(how a `not-in-store` reaper tells an instance's owner: by the `ClientToken` DescribeInstances shows for every instance it lists, or by the owner tag set at launch (TagSpecifications; here the token again), which a listing shows only after `service.describe_lag` + `service.tag_lag`: an instance listed without its tag is left alone, as a reaper filtering on the tag would not see it. Shown in `replay`'s header as `match=`)"}, false},
        {"grace", {R"(`grace`)", R"(duration)", R"(`0`)", R"(instances younger than this (by their launch time) are left alone; longer than `describe_lag` + `tag_lag` keeps an `untagged` reaper off instances whose tags are not visible yet)"}, false},
        {"start", {R"(`start`)", R"(duration)", R"(`every`)", R"(the first sweep)"}, false},
        {"region", {R"(`region`)", R"(Region name)", R"(the first Region)", R"(where it sweeps)"}, false},
        {"account", {R"(`account`)", R"(an account a client group uses)", R"(`default`)", R"(whose instances it lists)"}, false},
    }},
    {"faults[]", {"fault", "keys", "meaning"}, {
        {"lose", {R"(`lose`)", R"(`what`: `request` or `response` (required); `rate` (required))", R"(a message lost on the wire: a request before the service sees it (nothing launches), or a response after the service acted (the client cannot know))"}, false},
        {"spike", {R"(`spike`)", R"(`rate` (required); `delay`: latency (required))", R"(the service takes `delay` longer on that share of calls, often past the client's timeout; the launch still happens)"}, false},
        {"storm", {R"(`storm`)", R"(`status`: 500 or 503 (default 503); `code`: `InternalError`, `InsufficientInstanceCapacity` (a 500), `Unavailable` or `RequestLimitExceeded` (default from the status); `rate` (default `100%`); `phase`: `before` or `after` (default `before`))", R"(a 5xx storm. `before`: the endpoint rejects the request, nothing launches. `after`: the service does the work, then the answer is replaced by the error (a 500 after commit))"}, false},
        {"reset", {R"(`reset`)", R"(`phase`: `before` or `after` (required); `rate` (default `100%`))", R"(a connection reset. `before`: the service never sees the request; `after`: the service acts, then the connection drops. The client learns at once (not after its timeout), with the outcome unknown; its SDK retries it like a timeout)"}, false},
        {"partition", {R"(`partition`)", R"(`group`: a client group's name (required); `direction`: `both`, `requests` or `responses` (default `both`))", R"(the group is cut off from its Region's endpoint: its requests, its responses, or both are lost)"}, false},
        {"duplicate", {R"(`duplicate`)", R"(`rate` (default `100%`); `delay`: latency (default `10ms`))", R"(the network delivers a request a second time, `delay` after the first (a proxy's retry, a webhook delivered twice). The service sees two requests; the client waits for the first's answer. With a token the second is a repeat; without one it launches again)"}, false},
        {"crash", {R"(`crash` (a caller))", R"(`target: client`; `group`: a client group's name (required); either `when`: `after-send` or `after-response`, with `rate` (default `100%`), or `at`: a time, with `rolling`: a duration (default: none); `restart_after`: duration (default `10s`))", R"(a caller's process (a client of the group) dies right after sending a request, or right after an answer reaches it and before it acts on it or writes anything down, with probability `rate`; or at time `at`, whatever it is doing (a deploy or a restart on a schedule): every process of the group at once, or with `rolling`, one after another, client *i* at `at` + *i* × `rolling` (a rolling restart); one already down is left alone. It comes back `restart_after` later (or at `heal_at`; a crash `at` or after `heal_at` does not happen), knowing only what its state kept (`clients[].controller`). Answers to the dead process are ignored. Shown in `replay`'s header as `crash client group G scheduled at T rolling D`)"}, false},
        {"crash", {R"(`crash`)", R"(`target`: `frontend` or `store` (default `frontend`); `which`: a frontend's index, from 0 (default: the launch's own frontend with `step`, one drawn per crash with `at`); either `at`: a time, or `step`: `after-reserve`, `after-launch` or `after-record` (one is required); `rate` (with `step`, default `100%`); `restart_after`: duration (default `10s`))", R"(a process of the service stops: at time `at` (once, in each Region the fault covers; without `which` it stops one of the frontends that are up, drawn; it does not fire when what it would stop is already down), or when a launch reaches `step`, with probability `rate` per launch. A frontend's requests in flight get no answer (their clients see a connection reset at once), and its launches in flight are settled by the service's recovery (`service.recover`); while it is down the balancer skips it. A store crash loses every record of a `volatile` store and makes the store unavailable (`service.store`). The process comes back `restart_after` later, or at `heal_at` if that is sooner (every fault ends there). `which` with `step` crashes that frontend when a launch on it reaches the step. A crash after `record` loses the answer to the launch's own request, while requests that joined the launch from frontends that are up still get it)"}, false},
        {"skew", {R"(`skew`)", R"(`frontend`: an index, from 0 (default: every frontend); `offset`: a duration, negative with a `-` (required), like `-30s`)", R"(that frontend's clock is off by `offset`: every time-based decision it makes uses its clock: the store's `ttl` (it stamps the records it writes with its clock, and compares another frontend's stamps with it), the `2013` retention, and instance states and visibility (a repeat after termination, DescribeInstances, TerminateInstances). Counted once per request a skewed frontend takes in)"}, false},
        {"database", {R"(`database`)", R"(`group`: a client group's name, one with a `controller` (required); `fail`: a rate (default `100%`); `stall`: latency (default `0`))", R"(the group's controller database is degraded: each write its callers make to it (an intent's token before the send, with `persist: before-send`; what an answer told it) fails with probability `fail`, and a write before the send takes `stall` longer (the launch waits for it). A failed write before the send goes by `controller.on_persist_error`; a failed write of an answer leaves the caller knowing it in memory only: a crash loses it, a `not-in-store` reaper does not see it, and a work queue requeues the object (the reconcile returned an error). The same as `controller.store`, for a window)"}, false},
        {"transient", {R"(`transient`)", R"(`code`: `IncorrectState` (the default and the only one); `rate` (default `100%`))", R"(a 400 answered to a RunInstances request before the service acts, and before it looks at the token (a resource still changing state): nothing happens; the client retries it only if its `retry.retry_codes` names it. A call whose earlier attempt launched and whose last one got this 400 ends "failed" for a launch it made, which `intent-instances` reports)"}, false},
    }},
    {"explore", {"key", "type", "default", "meaning"}, {
        {"faults", {R"(`faults`)", R"(list of fault kinds, none twice)", R"(every kind (`crash-client` only when a group has a `controller`))", R"(the kinds a drawn fault may be, in the order shrinking prefers (it moves a fault toward the first). The kinds: `lose-request`, `lose-response`, `spike` (5 s more service time), `storm-before` (503 `Unavailable`, 500 `InternalError` or 500 `InsufficientInstanceCapacity` before the service acts), `storm-after` (the same codes replacing the answer after it acted), `reset-after`, `duplicate` (delivered again 2 ms later), `reset-before`, `crash-frontend` (after the launch, after the reserve or after the record; back in 2 s), `crash-store` (at the fault's start; back in 2 s), `crash-client` (the first group with a `controller` dies after a send; back in 5 s). `crash-client` with no `controller` in any group is an error)"}, false},
        {"max_faults", {R"(`max_faults`)", R"(whole number, 0 to 8)", R"(`5`)", R"(the most faults a drawn plan has (it may have none))"}, false},
        {"window", {R"(`window`)", R"(`{from, until}`, durations in whole seconds)", R"(`from: 0s`; `until`: where the callers are busy: the last event of the scenario run without faults (at its `seed`), rounded up to a second, at most 30 s)", R"(a fault starts at a whole second in `[from, until]`: about half the draws at a second in which the scenario run without faults sent a request (where a fault meets one; shrinking goes to the earliest), the others anywhere in the window. `until` past `limit` is an error (a fault starting there never acts))"}, false},
        {"length", {R"(`length`)", R"(`{min, max}`, durations in whole seconds, at least `1s`)", R"(`min: 1s`; `max`: `limit` or 10 minutes, whichever is shorter)", R"(how long a fault lasts, one of the steps `min`, 2s, 3s, 5s, 10s, 20s, 30s, 1m, 2m, 5m, 10m, 30m, 1h, 6h, 24h, `max` that lie between `min` and `max` (a short fault is as likely as a long one; shrinking goes to `min`). `crash-store` is at one instant and ignores it)"}, false},
        {"rate", {R"(`rate`)", R"(`{min, max}`, whole percents from `1%` to `100%`)", R"(`1%` to `100%`)", R"(the share of requests a fault acts on, one of the steps `min`, 2%, 5%, 10%, 20%, 30%, 50%, 70%, 90%, `max` that lie between them (shrinking goes to `min`))"}, false},
        {"clients.count", {R"(`clients.count`)", R"(whole number, 1 to 100)", R"(as written)", R"(each group's `count` is drawn from 1 to this)"}, false},
        {"clients.intents", {R"(`clients.intents`)", R"(whole number, 1 to 1000)", R"(as written)", R"(each group's `intents` is drawn from 1 to this)"}, false},
        {"clients.token", {R"(`clients.token`)", R"(list of token behaviours (`sdk`, `persisted`, `write-back`, `per-attempt`, `derived`, `timestamp`, `none`))", R"(as written)", R"(each group's `token`, drawn from the list (the first is where shrinking goes). A group that sends a value of its own (`token: {value: ...}`) keeps it; if every group does, this is an error)"}, false},
        {"clients.retry", {R"(`clients.retry`)", R"(list of retry policies (`none`, `exponential`, `aws-standard`, `aws-standard-2026`, `aws-adaptive`, `aws-legacy`))", R"(as written)", R"(each group's retry profile, drawn from the list, with the policy's defaults (its `retry_codes` kept))"}, false},
        {"clients.on_terminated", {R"(`clients.on_terminated`)", R"(list of `give-up`, `adopt`, `new-token`)", R"(as written)", R"(each group's `on_terminated`, drawn from the list (the first is where shrinking goes))"}, false},
        {"tokens", {R"(`tokens`)", R"(list of token-value families)", R"(none: values as written)", R"(for the groups that send a token value of their own: each intent's value is drawn from one of these families, or kept as written (where shrinking goes). The values start from the first such group's token, and differ from intent to intent under the token rules, so that only a service that breaks a rule mixes them up: `case` (the letters' case varied), `prefix` (a 40-character prefix shared by the intents), `length` (65 characters: one past the longest token), `non-ascii` (a `é` in it), `regions` (intents moved across the scenario's Regions with one value: needs two Regions), `zones` (under `current`, intents in different zones of their Region with one value; under `2013`, a repeat of one intent in another zone: needs two zones). Groups that share an `intent` keep one value. An error when no group sends its own value)"}, false},
    }},
};

// Keys documented inside their parent's row (or, for `<latency>`, in "Values"), in the order the
// loader reads them.
const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> kSubKeys = {
    {"<latency>", {"min", "median", "p99", "max"}},
    {"service.throttle", {"bucket", "refill"}},
    {"leaks", {"max_age", "max_instance_hours"}},
    {"expect", {"fail"}},
    {"clients[].token", {"value"}},
    {"explore.window", {"from", "until"}},
    {"explore.length", {"min", "max"}},
    {"explore.rate", {"min", "max"}},
    {"faults[].lose", {"what", "rate", "from", "for", "region"}},
    {"faults[].spike", {"rate", "delay", "from", "for", "region"}},
    {"faults[].storm", {"status", "code", "rate", "from", "for", "region", "phase"}},
    {"faults[].reset", {"phase", "rate", "from", "for", "region"}},
    {"faults[].partition", {"group", "direction", "from", "for", "region"}},
    {"faults[].duplicate", {"rate", "delay", "from", "for", "region"}},
    {"faults[].database", {"group", "fail", "stall", "from", "for", "region"}},
    {"clients[].controller.store", {"fail", "latency"}},
    {"faults[].crash", {"target", "which", "at", "step", "rate", "restart_after", "group", "when", "rolling", "from", "for", "region"}},
    {"faults[].skew", {"frontend", "offset", "from", "for", "region"}},
    {"faults[].transient", {"code", "rate", "from", "for", "region"}},
};

}  // namespace

const std::vector<KeySection>& key_sections() { return kSections; }

std::vector<std::string> keys_under(std::string_view parent) {
  std::vector<std::string> out;
  auto add = [&](std::string_view k) {
    const std::string first(k.substr(0, k.find('.')));
    if (std::find(out.begin(), out.end(), first) == out.end()) out.push_back(first);
  };
  for (const KeySection& s : kSections)
    if (s.parent == parent)
      for (const KeyRow& r : s.rows)
        if (!r.retired) add(r.key);
  // A row like `clients.count` of `explore` is the key `count` under explore.clients.
  for (const KeySection& s : kSections)
    for (const KeyRow& r : s.rows) {
      const std::string full = s.parent.empty() ? std::string(r.key) : std::string(s.parent) + "." + std::string(r.key);
      const size_t dot = full.rfind('.');
      if (dot != std::string::npos && full.substr(0, dot) == parent && std::string_view(r.key).find('.') != std::string_view::npos)
        add(full.substr(dot + 1));
    }
  for (const auto& [p, ks] : kSubKeys)
    if (p == parent)
      for (std::string_view k : ks) add(k);
  return out;
}

bool key_known(std::string_view path) {
  const size_t dot = path.rfind('.');
  const std::string_view parent = dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
  const std::string_view name = dot == std::string_view::npos ? path : path.substr(dot + 1);
  const std::vector<std::string> ks = keys_under(parent);
  return std::find(ks.begin(), ks.end(), name) != ks.end();
}

std::string markdown_table(std::string_view parent) {
  for (const KeySection& s : kSections) {
    if (s.parent != parent) continue;
    std::string out = "|", rule = "|";
    for (std::string_view h : s.header) {
      out += " " + std::string(h) + " |";
      rule += " --- |";
    }
    out += "\n" + rule + "\n";
    for (const KeyRow& r : s.rows) {
      out += "|";
      for (std::string_view c : r.cells) out += " " + std::string(c) + " |";
      out += "\n";
    }
    return out;
  }
  return "";
}

}  // namespace idem::harness
