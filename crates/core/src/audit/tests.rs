//! Tests of the audit chain: the encoding pinned by a known answer, then one test per
//! way an attacker with database write access (but without the key) can tamper, each
//! asserting the exact findings, then properties over random chains and tamperings.
//!
//! Tamperings work on the rows as the store would read them back: `read` sorts them by
//! stored seq, as `ORDER BY seq` would.

use expect_test::{Expect, expect};
use proptest::prelude::*;

use super::*;

fn key() -> ChainKey {
    ChainKey::new(std::array::from_fn(|i| u8::try_from(i).unwrap()))
}

/// The body of the `seq`th event of the test chains.
fn body_text(seq: u64) -> (String, String, String, String) {
    let actor = if seq.is_multiple_of(3) { "staff:7".to_owned() } else { "system".to_owned() };
    let action = if seq.is_multiple_of(2) { "request.verified" } else { "request.submitted" };
    (actor, action.to_owned(), format!("req_{:02}", seq / 4), format!(r#"{{"n":{seq}}}"#))
}

/// A valid chain of `len` events, written as the store writes them.
fn chain(len: u64) -> Vec<StoredEvent> {
    let key = key();
    let mut events = Vec::new();
    let mut prev_hash = GENESIS;
    for seq in 1..=len {
        let (actor, action, request_id, payload) = body_text(seq);
        let mut event = StoredEvent {
            seq,
            at_ms: 1_767_225_600_000 + i64::try_from(seq).unwrap() * 1_000,
            actor,
            action,
            request_id,
            payload,
            prev_hash,
            hash: GENESIS,
        };
        event.hash = key.hash(&prev_hash, &event.body());
        prev_hash = event.hash;
        events.push(event);
    }
    events
}

/// The head the store records for `events` as written.
fn head_of(events: &[StoredEvent]) -> Option<Head> {
    Some(
        events.last().map_or(Head { seq: 0, hash: GENESIS }, |e| Head { seq: e.seq, hash: e.hash }),
    )
}

/// A made-up row at `seq`: plausible content, a hash the attacker invented.
fn forged(seq: u64, prev_hash: Hash) -> StoredEvent {
    StoredEvent {
        seq,
        at_ms: 1_767_225_600_000,
        actor: "staff:666".to_owned(),
        action: "request.completed".to_owned(),
        request_id: "req_99".to_owned(),
        payload: "{}".to_owned(),
        prev_hash,
        hash: [0xab; 32],
    }
}

/// The rows in stored-seq order, as the store reads them (a stable sort, so rows that
/// share a seq keep the order they were given in).
fn read(mut events: Vec<StoredEvent>) -> Vec<StoredEvent> {
    events.sort_by_key(|event| event.seq);
    events
}

/// The row stored with `seq`.
fn row(events: &mut [StoredEvent], seq: u64) -> &mut StoredEvent {
    events.iter_mut().find(|event| event.seq == seq).unwrap()
}

/// Adds `delta` to the seq of every row from the one stored at `from` on.
fn renumber(events: &mut [StoredEvent], from: u64, delta: i64) {
    for event in events.iter_mut().filter(|event| event.seq >= from) {
        event.seq = event.seq.saturating_add_signed(delta);
    }
}

fn verify(events: Vec<StoredEvent>, head: Option<Head>, expected: Option<Head>) -> Report {
    let mut verifier = ChainVerifier::new(key(), expected);
    for event in events {
        verifier.push(event);
    }
    verifier.finish(head)
}

/// Verifies and renders the report: a summary line, then one line per finding.
#[track_caller]
fn check(events: Vec<StoredEvent>, head: Option<Head>, expected: Option<Head>, expect: Expect) {
    let report = verify(events, head, expected);
    let last_good = report.last_good.map_or("none".to_owned(), |head| head.seq.to_string());
    let mut text = format!("checked {}, last good {last_good}\n", report.events_checked);
    for finding in &report.findings {
        text.push_str(&format!("{finding}\n"));
    }
    let left_out = report.findings_total - u64::try_from(report.findings.len()).unwrap();
    if left_out > 0 {
        text.push_str(&format!("… and {left_out} more\n"));
    }
    assert_eq!(report.is_intact(), report.findings_total == 0);
    expect.assert_eq(&text);
}

/// Checks a tampering of the 10-event chain; `tamper` gets the rows and the head.
#[track_caller]
fn check_tampered(tamper: impl FnOnce(&mut Vec<StoredEvent>, &mut Option<Head>), expect: Expect) {
    let mut events = chain(10);
    let mut head = head_of(&events);
    tamper(&mut events, &mut head);
    check(read(events), head, None, expect);
}

// The encoding.

#[test]
fn known_answer() {
    // The event of the module documentation; its `openssl dgst` recipe prints this hash.
    let body = EventBody {
        seq: 1,
        at_ms: 1_767_225_600_000,
        actor: "system",
        action: "request.submitted",
        request_id: "req_01",
        payload: r#"{"channel":"web"}"#,
    };
    expect!["81a3f05716e2fd294b8795294ce0099c556260da8e34df86c906fa913ec4abbc"]
        .assert_eq(&to_hex(&key().hash(&GENESIS, &body)));
}

#[test]
fn canonical_encoding_is_as_documented() {
    let body =
        EventBody { seq: 258, at_ms: -2, actor: "cli", action: "a", request_id: "", payload: "{}" };
    let mut bytes = Vec::new();
    encode(&[0x11; 32], &body, |piece| bytes.extend_from_slice(piece));
    let hex: Vec<String> = bytes.chunks(8).map(|chunk| format!("{chunk:02x?}")).collect();
    expect![[r#"
        [6f, 6d, 62, 75, 64, 2d, 61, 75]
        [64, 69, 74, 2d, 76, 31, 00, 11]
        [11, 11, 11, 11, 11, 11, 11, 11]
        [11, 11, 11, 11, 11, 11, 11, 11]
        [11, 11, 11, 11, 11, 11, 11, 11]
        [11, 11, 11, 11, 11, 11, 11, 00]
        [00, 00, 00, 00, 00, 01, 02, ff]
        [ff, ff, ff, ff, ff, ff, fe, 00]
        [00, 00, 00, 00, 00, 00, 03, 63]
        [6c, 69, 00, 00, 00, 00, 00, 00]
        [00, 01, 61, 00, 00, 00, 00, 00]
        [00, 00, 00, 00, 00, 00, 00, 00]
        [00, 00, 02, 7b, 7d]"#]]
    .assert_eq(&hex.join("\n"));
}

#[test]
fn length_prefixes_keep_fields_apart() {
    let key = key();
    let body = EventBody {
        seq: 1,
        at_ms: 0,
        actor: "staff:1",
        action: "request.read",
        request_id: "",
        payload: "{}",
    };
    let shifted = EventBody { actor: "staff:1request.", action: "read", ..body };
    assert_ne!(key.hash(&GENESIS, &body), key.hash(&GENESIS, &shifted));
}

#[test]
fn different_keys_give_different_hashes() {
    let body = chain(1)[0].clone();
    assert_ne!(
        key().hash(&GENESIS, &body.body()),
        ChainKey::new([0; 32]).hash(&GENESIS, &body.body())
    );
}

#[test]
fn hex_round_trips_and_rejects_what_is_not_a_hash() {
    let hash: Hash = std::array::from_fn(|i| u8::try_from(i * 8).unwrap());
    let hex = to_hex(&hash);
    expect!["0008101820283038404850586068707880889098a0a8b0b8c0c8d0d8e0e8f0f8"].assert_eq(&hex);
    assert_eq!(from_hex(&hex), Some(hash));
    assert_eq!(from_hex(&hex.to_uppercase()), Some(hash));
    assert_eq!(from_hex(&hex[..62]), None);
    assert_eq!(from_hex(&format!("{hex}00")), None);
    assert_eq!(from_hex(&hex.replace('f', "g")), None);
    assert_eq!(from_hex(&format!("+{}", &hex[1..])), None);
    assert_eq!(from_hex(""), None);
    // Multi-byte characters must not be split into "digits".
    assert_eq!(from_hex(&"é".repeat(32)), None);
}

#[test]
fn chain_key_debug_is_redacted() {
    expect!["ChainKey([redacted])"].assert_eq(&format!("{:?}", key()));
}

// Intact chains.

#[test]
fn intact_chain_verifies_up_to_the_head() {
    let events = chain(10);
    let head = head_of(&events);
    let report = verify(events, head, None);
    assert!(report.is_intact());
    assert_eq!(report.last_good, head);
    check(
        chain(10),
        head,
        None,
        expect![[r#"
            checked 10, last good 10
        "#]],
    );
}

#[test]
fn empty_log_is_intact_with_or_without_a_genesis_head() {
    check(
        vec![],
        None,
        None,
        expect![[r#"
        checked 0, last good none
    "#]],
    );
    check(
        vec![],
        Some(Head { seq: 0, hash: GENESIS }),
        None,
        expect![[r#"
        checked 0, last good none
    "#]],
    );
}

// Edits.

#[test]
fn edited_at_ms() {
    check_tampered(
        |events, _| row(events, 4).at_ms += 1,
        expect![[r#"
            checked 10, last good 10
            event 4 was edited: its content no longer matches its hash
        "#]],
    );
}

#[test]
fn edited_actor() {
    check_tampered(
        |events, _| row(events, 4).actor = "staff:8".to_owned(),
        expect![[r#"
            checked 10, last good 10
            event 4 was edited: its content no longer matches its hash
        "#]],
    );
}

#[test]
fn edited_action() {
    check_tampered(
        |events, _| row(events, 4).action = "request.denied".to_owned(),
        expect![[r#"
            checked 10, last good 10
            event 4 was edited: its content no longer matches its hash
        "#]],
    );
}

#[test]
fn edited_request_id() {
    check_tampered(
        |events, _| row(events, 4).request_id = "req_02".to_owned(),
        expect![[r#"
            checked 10, last good 10
            event 4 was edited: its content no longer matches its hash
        "#]],
    );
}

#[test]
fn edited_payload() {
    check_tampered(
        |events, _| row(events, 4).payload = r#"{"n":5}"#.to_owned(),
        expect![[r#"
            checked 10, last good 10
            event 4 was edited: its content no longer matches its hash
        "#]],
    );
}

#[test]
fn edited_prev_hash() {
    check_tampered(
        |events, _| row(events, 4).prev_hash = [1; 32],
        expect![[r#"
            checked 10, last good 10
            event 4 was edited: its content no longer matches its hash
        "#]],
    );
}

#[test]
fn edited_hash() {
    check_tampered(
        |events, _| row(events, 4).hash[0] ^= 1,
        expect![[r#"
        checked 10, last good 10
        event 4 was edited: its content no longer matches its hash
    "#]],
    );
}

#[test]
fn edited_payload_and_rehashed_with_a_guessed_key() {
    // Recomputing the hash without the key: the next event still links to the old hash.
    check_tampered(
        |events, _| {
            let event = row(events, 4);
            event.payload = "{}".to_owned();
            event.hash = ChainKey::new([0; 32]).hash(&event.prev_hash, &event.body());
        },
        expect![[r#"
            checked 10, last good 10
            event 4 was edited: its content no longer matches its hash
        "#]],
    );
}

#[test]
fn edited_several_consecutive_events() {
    check_tampered(
        |events, _| {
            for seq in 4..=6 {
                row(events, seq).payload = "{}".to_owned();
            }
        },
        expect![[r#"
            checked 10, last good 10
            events 4–6 were edited: their content no longer matches their hashes
        "#]],
    );
}

#[test]
fn edited_last_event() {
    check_tampered(
        |events, _| row(events, 10).payload = "{}".to_owned(),
        expect![[r#"
        checked 10, last good 9
        event 10 was edited: its content no longer matches its hash
    "#]],
    );
}

#[test]
fn edited_hash_of_last_event() {
    check_tampered(
        |events, _| row(events, 10).hash[31] ^= 0x80,
        expect![[r#"
        checked 10, last good 9
        event 10 was edited: its content no longer matches its hash
    "#]],
    );
}

#[test]
fn edited_hash_of_last_event_and_the_head_to_match() {
    check_tampered(
        |events, head| {
            row(events, 10).hash[31] ^= 0x80;
            *head = Some(Head { seq: 10, hash: row(events, 10).hash });
        },
        expect![[r#"
            checked 10, last good 9
            event 10 was edited: its content no longer matches its hash
        "#]],
    );
}

#[test]
fn edited_first_event() {
    check_tampered(
        |events, _| row(events, 1).actor = "cli".to_owned(),
        expect![[r#"
        checked 10, last good 10
        event 1 was edited: its content no longer matches its hash
    "#]],
    );
}

// Seq changes: moves, swaps, renumbering.

#[test]
fn edited_seq_onto_the_next_event() {
    // Two rows now share seq 5; the store may read them in either order.
    check_tampered(
        |events, _| row(events, 4).seq = 5,
        expect![[r#"
        checked 10, last good 10
        event 5 was moved: it was written as event 4
    "#]],
    );
    check_tampered(
        |events, _| {
            row(events, 4).seq = 5;
            events.swap(3, 4);
        },
        expect![[r#"
            checked 10, last good 10
            event 5 was moved: it was written as event 4
        "#]],
    );
}

#[test]
fn edited_seq_past_the_end() {
    // Within the look-ahead window the row is recognized as event 4, so the gap it left
    // is not a deletion.
    check_tampered(
        |events, _| row(events, 4).seq = 50,
        expect![[r#"
        checked 10, last good 10
        event 50 was moved: it was written as event 4
    "#]],
    );
    // Farther away, the event is missing from its place and the row that stands at the
    // end verifies as nothing, so it is an insertion.
    let mut events = chain(40);
    let head = head_of(&events);
    row(&mut events, 4).seq = 50;
    check(
        read(events),
        head,
        None,
        expect![[r#"
        checked 40, last good 40
        event 4 was deleted: the chain jumps from 3 to 5
        event 50 was inserted: it is not part of the chain (the chain ends at event 40)
    "#]],
    );
}

#[test]
fn swapped_adjacent_events() {
    check_tampered(
        |events, _| {
            row(events, 4).seq = 0;
            row(events, 5).seq = 4;
            row(events, 0).seq = 5;
        },
        expect![[r#"
            checked 10, last good 10
            event 4 was moved: it was written as event 5
            event 5 was moved: it was written as event 4
        "#]],
    );
}

#[test]
fn swapped_events_two_apart() {
    check_tampered(
        |events, _| {
            row(events, 4).seq = 0;
            row(events, 6).seq = 4;
            row(events, 0).seq = 6;
        },
        expect![[r#"
            checked 10, last good 10
            event 4 was moved: it was written as event 6
            event 6 was moved: it was written as event 4
        "#]],
    );
}

#[test]
fn swapped_events_far_apart() {
    // Beyond the look-ahead window and the seq search, the rows cannot be recognized:
    // each is reported as edited where it stands, still two findings at the right seqs.
    let mut events = chain(40);
    let head = head_of(&events);
    row(&mut events, 5).seq = 0;
    row(&mut events, 35).seq = 5;
    row(&mut events, 0).seq = 35;
    check(
        read(events),
        head,
        None,
        expect![[r#"
        checked 40, last good 40
        event 5 was edited: its content no longer matches its hash
        event 35 was edited: its content no longer matches its hash
    "#]],
    );
}

#[test]
fn renumbered_from_the_middle() {
    check_tampered(
        |events, _| renumber(events, 6, 1000),
        expect![[r#"
        checked 10, last good 10
        events 1006–1010 were moved: they were written as events 6–10
    "#]],
    );
}

#[test]
fn renumbered_from_the_start() {
    check_tampered(
        |events, _| renumber(events, 1, 1),
        expect![[r#"
        checked 10, last good 10
        events 2–11 were moved: they were written as events 1–10
    "#]],
    );
}

#[test]
fn renumbered_by_doubling() {
    // No two rows shift by the same amount, so each is its own finding.
    check_tampered(
        |events, _| {
            for event in events.iter_mut().filter(|event| event.seq > 7) {
                event.seq *= 2;
            }
        },
        expect![[r#"
            checked 10, last good 10
            event 16 was moved: it was written as event 8
            event 18 was moved: it was written as event 9
            event 20 was moved: it was written as event 10
        "#]],
    );
}

// Deletions.

#[test]
fn deleted_first_event() {
    check_tampered(
        |events, _| drop(events.remove(0)),
        expect![[r#"
        checked 9, last good 10
        event 1 was deleted: the chain starts at 2
    "#]],
    );
}

#[test]
fn deleted_middle_event() {
    check_tampered(
        |events, _| drop(events.remove(4)),
        expect![[r#"
        checked 9, last good 10
        event 5 was deleted: the chain jumps from 4 to 6
    "#]],
    );
}

#[test]
fn deleted_several_events() {
    check_tampered(
        |events, _| drop(events.drain(3..6)),
        expect![[r#"
        checked 7, last good 10
        events 4–6 were deleted: the chain jumps from 3 to 7
    "#]],
    );
}

#[test]
fn deleted_two_separate_events() {
    check_tampered(
        |events, _| {
            events.remove(6);
            events.remove(2);
        },
        expect![[r#"
            checked 8, last good 10
            event 3 was deleted: the chain jumps from 2 to 4
            event 7 was deleted: the chain jumps from 6 to 8
        "#]],
    );
}

#[test]
fn deleted_last_event() {
    check_tampered(
        |events, _| drop(events.pop()),
        expect![[r#"
        checked 9, last good 9
        the last event was deleted: the head records event 10 but the chain ends at 9
    "#]],
    );
}

#[test]
fn deleted_last_three_events() {
    check_tampered(
        |events, _| events.truncate(7),
        expect![[r#"
        checked 7, last good 7
        the last 3 events were deleted: the head records event 10 but the chain ends at 7
    "#]],
    );
}

#[test]
fn deleted_every_event() {
    check_tampered(
        |events, _| events.clear(),
        expect![[r#"
        checked 0, last good none
        all 10 events were deleted: the head records event 10 but the chain is empty
    "#]],
    );
}

#[test]
fn deleted_first_event_and_closed_the_gap() {
    check_tampered(
        |events, _| {
            events.remove(0);
            renumber(events, 2, -1);
        },
        expect![[r#"
            checked 9, last good 10
            event 1 was deleted: the chain starts at 2
            events 1–9 were moved: they were written as events 2–10
        "#]],
    );
}

#[test]
fn deleted_middle_events_and_closed_the_gap() {
    check_tampered(
        |events, _| {
            events.drain(3..5);
            renumber(events, 6, -2);
        },
        expect![[r#"
            checked 8, last good 10
            events 4–5 were deleted: the chain jumps from 3 to 6
            events 4–8 were moved: they were written as events 6–10
        "#]],
    );
}

#[test]
fn deleted_last_event_and_rewrote_the_head() {
    // The limit the module documentation states: without a checkpoint this is a valid,
    // shorter chain. With the checkpoint an auditor kept, it is caught.
    let mut events = chain(10);
    let checkpoint = head_of(&events);
    events.pop();
    let head = head_of(&events);
    check(
        events.clone(),
        head,
        None,
        expect![[r#"
        checked 9, last good 9
    "#]],
    );
    check(
        events,
        head,
        checkpoint,
        expect![[r#"
        checked 9, last good 9
        the checkpoint 10:d96d8498… is not in the chain
    "#]],
    );
}

// Insertions.

#[test]
fn inserted_at_the_start_with_seq_zero() {
    check_tampered(
        |events, _| events.push(forged(0, GENESIS)),
        expect![[r#"
        checked 11, last good 10
        event 0 was inserted: it is not part of the chain (the chain starts at event 1)
    "#]],
    );
}

#[test]
fn inserted_at_the_start_and_renumbered() {
    check_tampered(
        |events, _| {
            renumber(events, 1, 1);
            events.push(forged(1, GENESIS));
        },
        expect![[r#"
            checked 11, last good 10
            event 1 was inserted: it is not part of the chain (the chain starts at event 2)
            events 2–11 were moved: they were written as events 1–10
        "#]],
    );
}

#[test]
fn inserted_in_the_middle_and_renumbered() {
    check_tampered(
        |events, _| {
            let prev_hash = row(events, 4).hash;
            renumber(events, 5, 1);
            events.push(forged(5, prev_hash));
        },
        expect![[r#"
            checked 11, last good 10
            event 5 was inserted: it is not part of the chain (event 6 follows event 4)
            events 6–11 were moved: they were written as events 5–10
        "#]],
    );
}

#[test]
fn inserted_several_in_the_middle_and_renumbered() {
    check_tampered(
        |events, _| {
            renumber(events, 5, 3);
            for seq in 5..8 {
                events.push(forged(seq, [0xcd; 32]));
            }
        },
        expect![[r#"
            checked 13, last good 10
            events 5–7 were inserted: they are not part of the chain (event 8 follows event 4)
            events 8–13 were moved: they were written as events 5–10
        "#]],
    );
}

#[test]
fn inserted_in_the_middle_with_a_duplicate_seq() {
    // Without a unique constraint the attacker need not renumber. Either read order.
    check_tampered(
        |events, _| events.insert(5, forged(5, [0; 32])),
        expect![[r#"
        checked 11, last good 10
        event 5 was inserted: it is not part of the chain (event 6 follows event 5)
    "#]],
    );
    check_tampered(
        |events, _| events.insert(4, forged(5, [0; 32])),
        expect![[r#"
        checked 11, last good 10
        event 5 was inserted: it is not part of the chain (event 5 follows event 4)
    "#]],
    );
}

#[test]
fn inserted_at_the_end() {
    check_tampered(
        |events, _| {
            let prev_hash = row(events, 10).hash;
            events.push(forged(11, prev_hash));
        },
        expect![[r#"
            checked 11, last good 10
            event 11 was inserted: it is not part of the chain (the chain ends at event 10)
        "#]],
    );
}

#[test]
fn inserted_a_made_up_chain_at_the_end() {
    // The rows link to each other, as a careful attacker would make them.
    check_tampered(
        |events, _| {
            let mut prev_hash = row(events, 10).hash;
            for seq in 11..=13 {
                let mut event = forged(seq, prev_hash);
                event.hash = [u8::try_from(seq).unwrap(); 32];
                prev_hash = event.hash;
                events.push(event);
            }
        },
        expect![[r#"
            checked 13, last good 10
            events 11–13 were inserted: they are not part of the chain (the chain ends at event 10)
        "#]],
    );
}

#[test]
fn inserted_at_the_end_and_moved_the_head() {
    // The inserted row and a genuine but edited last event look the same.
    check_tampered(
        |events, head| {
            let prev_hash = row(events, 10).hash;
            let event = forged(11, prev_hash);
            *head = Some(Head { seq: 11, hash: event.hash });
            events.push(event);
        },
        expect![[r#"
            checked 11, last good 10
            event 11 was edited: its content no longer matches its hash
        "#]],
    );
}

#[test]
fn inserted_a_copy_of_an_earlier_event() {
    // A replayed row verifies, but only as the event it was written as.
    check_tampered(
        |events, _| {
            let mut copy = row(events, 2).clone();
            renumber(events, 8, 1);
            copy.seq = 8;
            events.push(copy);
        },
        expect![[r#"
            checked 11, last good 10
            event 8 was moved: it was written as event 2
            events 9–11 were moved: they were written as events 8–10
        "#]],
    );
}

#[test]
fn duplicated_row() {
    check_tampered(
        |events, _| {
            let copy = row(events, 6).clone();
            events.push(copy);
        },
        expect![[r#"
            checked 11, last good 10
            event 6 appears more than once: the copy is not part of the chain
        "#]],
    );
}

#[test]
fn rows_read_out_of_order() {
    // Not an attack but a reader that broke its contract: still reported.
    let mut events = read(chain(10));
    events.swap(3, 4);
    check(
        events,
        head_of(&chain(10)),
        None,
        expect![[r#"
        checked 10, last good 10
        event 4 is out of order: it was read after event 5
    "#]],
    );
}

// Links.

#[test]
fn authentic_event_written_on_the_wrong_predecessor() {
    // A fork: event 6 was written (with the key) on event 4's hash, as two appenders
    // racing past the head lock would. Every MAC verifies; the link does not.
    let key = key();
    let mut events = chain(10);
    let event = row(&mut events, 6);
    event.prev_hash = row(&mut chain(10), 4).hash;
    // Rewrite the rest as a writer would have, on the forked event.
    let mut prev_hash = GENESIS;
    for event in &mut events {
        if event.seq >= 6 {
            if event.seq > 6 {
                event.prev_hash = prev_hash;
            }
            event.hash = key.hash(&event.prev_hash, &event.body());
        }
        prev_hash = event.hash;
    }
    let head = head_of(&events);
    check(
        events,
        head,
        None,
        expect![[r#"
        checked 10, last good 10
        event 6 does not link to event 5: its prev_hash is not the hash of event 5
    "#]],
    );
}

#[test]
fn first_event_written_on_a_nonzero_prev_hash() {
    let key = key();
    let mut events = chain(1);
    events[0].prev_hash = [9; 32];
    events[0].hash = key.hash(&events[0].prev_hash, &events[0].body());
    let head = head_of(&events);
    check(
        events,
        head,
        None,
        expect![[r#"
        checked 1, last good 1
        event 1 does not start the chain: its prev_hash is not all zeros
    "#]],
    );
}

// The head row.

#[test]
fn head_missing() {
    check_tampered(
        |_, head| *head = None,
        expect![[r#"
        checked 10, last good 10
        the head row is missing
    "#]],
    );
}

#[test]
fn head_seq_edited() {
    check_tampered(
        |_, head| head.as_mut().unwrap().seq = 9,
        expect![[r#"
        checked 10, last good 10
        the head row does not match event 10
    "#]],
    );
    check_tampered(
        |_, head| head.as_mut().unwrap().seq = 11,
        expect![[r#"
        checked 10, last good 10
        the head row does not match event 10
    "#]],
    );
}

#[test]
fn head_hash_edited() {
    check_tampered(
        |_, head| head.as_mut().unwrap().hash[5] ^= 4,
        expect![[r#"
        checked 10, last good 10
        the head row does not match event 10
    "#]],
    );
}

#[test]
fn head_present_for_an_empty_log() {
    check(
        vec![],
        Some(Head { seq: 0, hash: [1; 32] }),
        None,
        expect![[r#"
        checked 0, last good none
        the head row does not match the empty chain
    "#]],
    );
}

// Checkpoints.

#[test]
fn checkpoint_in_the_chain() {
    let events = chain(10);
    let checkpoint = Some(Head { seq: 4, hash: events[3].hash });
    check(
        events,
        head_of(&chain(10)),
        checkpoint,
        expect![[r#"
        checked 10, last good 10
    "#]],
    );
    let genesis = Some(Head { seq: 0, hash: GENESIS });
    check(
        chain(10),
        head_of(&chain(10)),
        genesis,
        expect![[r#"
        checked 10, last good 10
    "#]],
    );
}

#[test]
fn checkpoint_with_another_hash() {
    let mut hash = chain(10)[3].hash;
    hash[0] ^= 1;
    check(
        chain(10),
        head_of(&chain(10)),
        Some(Head { seq: 4, hash }),
        expect![[r#"
        checked 10, last good 10
        the checkpoint 4:c9245631… is not in the chain
    "#]],
    );
}

#[test]
fn checkpoint_past_the_end() {
    let checkpoint = Some(Head { seq: 12, hash: chain(12)[11].hash });
    check(
        chain(10),
        head_of(&chain(10)),
        checkpoint,
        expect![[r#"
        checked 10, last good 10
        the checkpoint 12:7460c6c0… is not in the chain
    "#]],
    );
}

#[test]
fn checkpoint_on_an_edited_event() {
    // The row is there with the checkpoint's hash, but not its content.
    let mut events = chain(10);
    let checkpoint = Some(Head { seq: 4, hash: events[3].hash });
    events[3].payload = "{}".to_owned();
    check(
        events,
        head_of(&chain(10)),
        checkpoint,
        expect![[r#"
        checked 10, last good 10
        event 4 was edited: its content no longer matches its hash
        the checkpoint 4:c8245631… is not in the chain
    "#]],
    );
}

// Scale.

#[test]
fn renumbering_a_long_chain_is_one_finding() {
    let mut events = chain(3_000);
    let head = head_of(&events);
    let prev_hash = row(&mut events, 100).hash;
    renumber(&mut events, 101, 1);
    events.push(forged(101, prev_hash));
    check(
        read(events),
        head,
        None,
        expect![[r#"
        checked 3001, last good 3000
        event 101 was inserted: it is not part of the chain (event 102 follows event 100)
        events 102–3001 were moved: they were written as events 101–3000
    "#]],
    );
}

#[test]
fn findings_are_capped_and_counted() {
    let mut events = chain(500);
    let head = head_of(&events);
    for event in events.iter_mut().filter(|event| event.seq.is_multiple_of(2)) {
        event.payload = "{}".to_owned();
    }
    let report = verify(events, head, None);
    assert_eq!(report.findings.len(), FINDINGS_MAX);
    assert_eq!(report.findings_total, 250);
    expect!["event 2 was edited: its content no longer matches its hash"]
        .assert_eq(&report.findings[0].to_string());
    expect!["event 200 was edited: its content no longer matches its hash"]
        .assert_eq(&report.findings[99].to_string());
}

#[test]
fn a_log_made_to_search_at_every_row_is_still_reported_row_by_row() {
    // Every other row edited: each edited row follows an authentic one, so each would
    // search the seqs around it. The budget caps that work; the findings stay complete.
    let mut events = chain(4_000);
    let head = head_of(&events);
    for event in events.iter_mut().filter(|event| event.seq.is_multiple_of(2)) {
        event.hash[0] ^= 1;
    }
    let report = verify(events, head, None);
    assert_eq!(report.findings_total, 2_000);
    assert_eq!(report.last_good.map(|head| head.seq), Some(3_999));
}

// Properties.

/// One change an attacker with database write access but without the key can make.
#[derive(Clone, Debug)]
enum Tampering {
    /// Edits field `field` (0–7) of the event at `index`.
    Edit { index: usize, field: u8 },
    /// Deletes `len` events from `index` on, closing the gap in the seqs or not.
    Delete { index: usize, len: usize, close_gap: bool },
    /// Inserts a made-up row before `index`, renumbering the rest or reusing a seq.
    Insert { index: usize, renumber: bool, links: bool },
    /// Swaps the seqs of two events.
    Swap { first: usize, second: usize },
    /// Shifts the seqs of the events from `index` on.
    Renumber { index: usize, delta: u64 },
    /// Copies the event at `index` to the end, or next to itself.
    Replay { index: usize, to_end: bool },
    /// Deletes the head row.
    HeadMissing,
    /// Changes the head's seq (up or down) or its hash.
    HeadEdit { seq_delta: i8, flip_hash: bool },
    /// Deletes the last `len` events, leaving the head.
    DeleteTail { len: usize },
}

fn tampering() -> impl Strategy<Value = Tampering> {
    let index = 0..200usize;
    prop_oneof![
        (index.clone(), 0..8u8).prop_map(|(index, field)| Tampering::Edit { index, field }),
        (index.clone(), 1..20usize, any::<bool>())
            .prop_map(|(index, len, close_gap)| Tampering::Delete { index, len, close_gap }),
        (index.clone(), any::<bool>(), any::<bool>())
            .prop_map(|(index, renumber, links)| Tampering::Insert { index, renumber, links }),
        (index.clone(), index.clone())
            .prop_map(|(first, second)| Tampering::Swap { first, second }),
        (index.clone(), 1..2_000u64)
            .prop_map(|(index, delta)| Tampering::Renumber { index, delta }),
        (index.clone(), any::<bool>())
            .prop_map(|(index, to_end)| Tampering::Replay { index, to_end }),
        Just(Tampering::HeadMissing),
        (any::<i8>(), any::<bool>())
            .prop_map(|(seq_delta, flip_hash)| Tampering::HeadEdit { seq_delta, flip_hash }),
        (1..20usize).prop_map(|len| Tampering::DeleteTail { len }),
    ]
}

/// Applies `tampering` to a chain; `false` when it would change nothing (then the case
/// is skipped, since no finding is due).
fn apply(tampering: &Tampering, events: &mut Vec<StoredEvent>, head: &mut Option<Head>) -> bool {
    let len = events.len();
    let needs_an_event = !matches!(
        tampering,
        Tampering::Insert { .. }
            | Tampering::HeadMissing
            | Tampering::HeadEdit { .. }
            | Tampering::DeleteTail { .. }
    );
    if len == 0 && needs_an_event {
        return false;
    }
    match *tampering {
        Tampering::Edit { index, field } => {
            let event = &mut events[index % len];
            match field {
                0 => event.seq += 1_000,
                1 => event.at_ms -= 1,
                2 => event.actor.push('x'),
                3 => event.action.push('x'),
                4 => event.request_id.push('x'),
                5 => event.payload.push(' '),
                6 => event.prev_hash[7] ^= 1,
                _ => event.hash[31] ^= 1,
            }
        }
        Tampering::Delete { index, len: count, close_gap } => {
            let index = index % len;
            let end = (index + count).min(len);
            // A deletion that reaches the end leaves the head on the old last event.
            let removed: Vec<StoredEvent> = events.drain(index..end).collect();
            if close_gap {
                let delta = i64::try_from(removed.len()).unwrap();
                renumber(events, removed[0].seq, -delta);
            }
        }
        Tampering::Insert { index, renumber: shift, links } => {
            let index = index % (len + 1);
            let seq = u64::try_from(index).unwrap() + 1;
            let prev_hash = if links && index > 0 { events[index - 1].hash } else { [3; 32] };
            if shift {
                renumber(events, seq, 1);
            }
            events.insert(index, forged(seq, prev_hash));
        }
        Tampering::Swap { first, second } => {
            let (first, second) = (first % len, second % len);
            if first == second {
                return false;
            }
            let seq = events[first].seq;
            events[first].seq = events[second].seq;
            events[second].seq = seq;
        }
        Tampering::Renumber { index, delta } => {
            let from = events[index % len].seq;
            renumber(events, from, i64::try_from(delta).unwrap());
        }
        Tampering::Replay { index, to_end } => {
            let mut copy = events[index % len].clone();
            if to_end {
                copy.seq = u64::try_from(len).unwrap() + 1;
            }
            events.push(copy);
        }
        Tampering::HeadMissing => *head = None,
        Tampering::HeadEdit { seq_delta, flip_hash } => {
            let Some(head) = head else { return false };
            if seq_delta == 0 && !flip_hash {
                return false;
            }
            head.seq = head.seq.saturating_add_signed(i64::from(seq_delta));
            if flip_hash {
                head.hash[0] ^= 1;
            }
        }
        Tampering::DeleteTail { len: count } => events.truncate(len.saturating_sub(count)),
    }
    *events = read(std::mem::take(events));
    true
}

proptest! {
    #[test]
    fn intact_chains_verify(len in 0..200u64) {
        let events = chain(len);
        let head = head_of(&events);
        let middle = events.get(usize::try_from(len / 2).unwrap());
        let checkpoint = middle.map(|event| Head { seq: event.seq, hash: event.hash });
        let report = verify(events, head, checkpoint);
        prop_assert!(report.is_intact(), "{:?}", report.findings);
        prop_assert_eq!(report.events_checked, len);
        prop_assert_eq!(report.last_good, head.filter(|head| head.seq > 0));
    }

    #[test]
    fn every_tampering_is_found(len in 1..200u64, tampering in tampering()) {
        let mut events = chain(len);
        let mut head = head_of(&events);
        prop_assume!(apply(&tampering, &mut events, &mut head));
        let report = verify(events, head, None);
        prop_assert!(report.findings_total >= 1, "{tampering:?} went unnoticed");
        prop_assert!(report.findings.len() <= FINDINGS_MAX);
        prop_assert!(u64::try_from(report.findings.len()).unwrap() <= report.findings_total);
    }

    #[test]
    fn several_tamperings_are_found(
        len in 1..120u64,
        tamperings in proptest::collection::vec(tampering(), 2..6),
    ) {
        let original = chain(len);
        let original_head = head_of(&original);
        let mut events = original.clone();
        let mut head = original_head;
        for tampering in &tamperings {
            apply(tampering, &mut events, &mut head);
        }
        // Tamperings can cancel out (a swap swapped back), and an empty log without a
        // head row is indistinguishable from a fresh installation (module documentation).
        prop_assume!(events != original || head != original_head);
        prop_assume!(!(events.is_empty() && head.is_none()));
        let report = verify(events, head, None);
        prop_assert!(report.findings_total >= 1, "{tamperings:?} went unnoticed");
    }
}
