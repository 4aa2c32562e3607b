//! The board against a `HashMap` model: built from any list of (key, state) pairs and
//! changed any number of times, it answers `state()` and `len()` like the map, leaves
//! the boards it was made from as they were, and decides exactly as the snapshot does
//! with the subject's state (or with no choices, for a subject it does not know).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use ombud_core::Law;
use ombud_policy::decide::{
    AgeBand, Board, Choice, ChoiceRecord, ConsentState, Query, Rule, Snapshot, Source, SubjectKey,
};
use ombud_program::CheckOptions;
use proptest::prelude::*;

const EVENTS: &str = include_str!("../../../examples/events.yaml");
const T0: u64 = 1_780_000_000_000;

fn events() -> Arc<Snapshot> {
    let program = ombud_program::load(EVENTS.as_bytes(), &CheckOptions::default()).unwrap().0;
    Arc::new(Snapshot::compile(&program))
}

/// A handful of distinct states, by number.
fn state(pick: u8) -> ConsentState {
    let record = |choice, source| ChoiceRecord { at_ms: T0 + u64::from(pick), choice, source };
    match pick % 5 {
        0 => ConsentState::default(),
        1 => ConsentState::fold(&[record(Choice::OptOutOfSale, Source::Gpc)], AgeBand::Unknown),
        2 => ConsentState::fold(&[record(Choice::OptOutOfSharing, Source::Form)], AgeBand::Adult),
        3 => ConsentState::fold(
            &[record(
                Choice::Consent { purpose: "newsletter".into(), by_parent: false },
                Source::Form,
            )],
            AgeBand::Adult,
        ),
        _ => ConsentState::default().with_age(AgeBand::From13To15),
    }
}

fn sponsor_sale() -> Query<'static> {
    Query {
        purpose: Some("sponsor_offers"),
        recipient: Some("sponsors"),
        category: "contact_details",
        law: Law::Ccpa,
    }
}

/// Keys that often share their first bytes, so that leaves hold several subjects and
/// changes fall in leaves that exist; and some keys anywhere.
fn key() -> impl Strategy<Value = SubjectKey> {
    prop_oneof![
        3 => (0..3u8, 0..3u8, 0..4u8, prop_oneof![Just(0u8), Just(255)]).prop_map(|(a, b, c, d)| {
            let mut key = [0u8; 32];
            key[0] = a.wrapping_mul(127);
            key[1] = b;
            key[2] = c;
            key[17] = d;
            key
        }),
        1 => any::<[u8; 32]>(),
    ]
}

fn pairs(max: usize) -> impl Strategy<Value = Vec<(SubjectKey, u8)>> {
    prop::collection::vec((key(), any::<u8>()), 0..max)
}

#[test]
fn an_empty_board_decides_as_for_someone_with_no_choices() {
    let board = Board::new(events());
    assert!(board.is_empty());
    assert_eq!(board.len(), 0);
    assert!(board.state(&[7; 32]).is_none());
    let verdict = board.verdict(Some(&[7; 32]), &sponsor_sale());
    assert_eq!(verdict, board.verdict(None, &sponsor_sale()));
    assert_eq!(verdict.rule, Rule::AllowedSaleOrShare);
    assert_eq!(
        board.decide(None, &sponsor_sale()),
        board.snapshot().decide(&sponsor_sale(), &ConsentState::default())
    );
    assert_eq!(format!("{board:?}"), "Board { subjects: 0, .. }");
}

#[test]
fn an_opt_out_set_by_with_states_denies_on_the_new_board_only() {
    let alice = [1; 32];
    let board = Board::build(events(), [(alice, ConsentState::default())]);
    let opted_out = board.with_states([(alice, state(1))]);
    assert_eq!(board.verdict(Some(&alice), &sponsor_sale()).rule, Rule::AllowedSaleOrShare);
    let decision = opted_out.decide(Some(&alice), &sponsor_sale());
    assert_eq!(decision.rule, Rule::OptedOutOfSale);
    assert!(decision.explanation.contains("Global Privacy Control"), "{}", decision.explanation);
    assert_eq!(opted_out.len(), 1);
    // A new program keeps the states.
    let again = opted_out.with_program(events());
    assert_eq!(again.verdict(Some(&alice), &sponsor_sale()).rule, Rule::OptedOutOfSale);
}

#[test]
fn later_duplicates_win_when_building_and_changing() {
    let key = [9; 32];
    let board = Board::build(events(), [(key, state(1)), (key, state(2)), (key, state(3))]);
    assert_eq!(board.len(), 1);
    assert_eq!(board.state(&key), Some(&state(3)));
    let changed = board.with_states([(key, state(4)), (key, state(2))]);
    assert_eq!(changed.len(), 1);
    assert_eq!(changed.state(&key), Some(&state(2)));
}

#[test]
fn a_batch_is_decided_like_one_query_at_a_time_and_reuses_the_buffer() {
    let board = Board::build(events(), (0u8..50).map(|i| ([i; 32], state(i))));
    let unknown = Query { recipient: Some("nobody"), ..sponsor_sale() };
    let batch: Vec<(Option<SubjectKey>, Query<'_>)> = (0u8..60)
        .map(|i| {
            let subject = if i.is_multiple_of(7) { None } else { Some([i; 32]) };
            (subject, if i.is_multiple_of(11) { unknown } else { sponsor_sale() })
        })
        .collect();
    let mut out = vec![board.verdict(None, &unknown); 3];
    board.verdicts(&batch, &mut out);
    assert_eq!(out.len(), batch.len());
    for ((subject, query), verdict) in batch.iter().zip(&out) {
        assert_eq!(*verdict, board.verdict(subject.as_ref(), query));
    }
    assert!(out.iter().any(|verdict| verdict.rule == Rule::OptedOutOfSale));
    assert!(out.iter().any(|verdict| verdict.rule == Rule::UnknownId));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn the_board_answers_like_a_map_and_old_boards_never_change(
        initial in pairs(40),
        rounds in prop::collection::vec(pairs(12), 0..5),
        probes in prop::collection::vec(key(), 0..20),
    ) {
        let mut model: HashMap<SubjectKey, ConsentState> = HashMap::new();
        for (key, pick) in &initial {
            model.insert(*key, state(*pick));
        }
        let mut board = Board::build(events(), initial.iter().map(|(key, pick)| (*key, state(*pick))));
        let mut history = Vec::new();
        for changes in rounds {
            let next = board.with_states(changes.iter().map(|(key, pick)| (*key, state(*pick))));
            history.push((board, model.clone()));
            for (key, pick) in &changes {
                model.insert(*key, state(*pick));
            }
            board = next;
        }
        history.push((board, model));
        // Every board, the old ones included, still answers as its model did, one
        // query at a time and in a batch.
        for (board, model) in &history {
            let batch: Vec<(Option<SubjectKey>, Query<'_>)> =
                model.keys().chain(&probes).map(|key| (Some(*key), sponsor_sale())).collect();
            let mut out = Vec::new();
            board.verdicts(&batch, &mut out);
            for ((subject, query), verdict) in batch.iter().zip(&out) {
                prop_assert_eq!(*verdict, board.verdict(subject.as_ref(), query));
            }
            prop_assert_eq!(board.len(), model.len());
            prop_assert_eq!(board.is_empty(), model.is_empty());
            let keys = model.keys().chain(&probes);
            for key in keys {
                prop_assert_eq!(board.state(key), model.get(key));
                let expected = board.snapshot().verdict(&sponsor_sale(), model.get(key).unwrap_or(&ConsentState::default()));
                prop_assert_eq!(board.verdict(Some(key), &sponsor_sale()), expected);
            }
        }
    }
}
