//! The deterministic generator: every row of every table is a pure function of the
//! seed, the table and the customer number, so the same rows come out on every engine,
//! in any order, in parallel, and a test can know what a customer has without reading
//! the database ([`expected`]).
//!
//! Which rows a customer has (the counts, the ids, the email and the phone) depends on
//! the customer number alone; the seed changes only the other values (names, dates,
//! addresses, texts). Every value is fictional: `example.com` addresses, telephone
//! numbers in the 555-01xx range, IP addresses from the documentation ranges (RFC 5737,
//! RFC 3849), names from small lists of obviously made-up words.

use crate::schema::Table;

/// One value of a generated row. Dates and timestamps are text (`YYYY-MM-DD`,
/// `YYYY-MM-DD HH:MM:SS`), which every engine reads into its own date types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Val<'a> {
    Int(i64),
    Str(&'a str),
    Null,
}

/// What customer `i` owns, as [`expected`] computes it without a database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerRows {
    /// The customer's id (`customer.id`), which is `i`.
    pub id: u64,
    /// `customer.email`: `customer<i>@example.com`, unique.
    pub email: String,
    /// `customer.phone`, unique, already in the normalized form ombud matches
    /// (`+155501` and six or more digits), or `None` for about one customer in five.
    pub phone: Option<String>,
    /// Rows of `address` with `customer_id = i` (0–3).
    pub addresses: u64,
    /// Rows of `login_session` with `customer_id = i` (0–4).
    pub login_sessions: u64,
    /// Rows of `orders` with `customer_id = i` (0–3).
    pub orders: u64,
    /// Rows of `order_item` whose order belongs to customer `i` (1–3 per order).
    pub order_items: u64,
    /// Rows of `payment_card` with `customer_id = i` (0–1).
    pub payment_cards: u64,
    /// Rows of `support_ticket` with `customer_id = i` (0–2).
    pub support_tickets: u64,
    /// Rows of `marketing_subscription` with `customer_id = i` (0–1); such a row
    /// carries the customer's email too. Subscribers who are not customers have
    /// `customer_id` NULL and their own `subscriber<k>@example.com` address, and are
    /// never counted here.
    pub marketing_subscriptions: u64,
}

impl CustomerRows {
    /// The number of rows of `table` that belong to this customer (`customer`: 1).
    pub fn count(&self, table: Table) -> u64 {
        match table {
            Table::Customer => 1,
            Table::Address => self.addresses,
            Table::LoginSession => self.login_sessions,
            Table::Orders => self.orders,
            Table::OrderItem => self.order_items,
            Table::PaymentCard => self.payment_cards,
            Table::SupportTicket => self.support_tickets,
            Table::MarketingSubscription => self.marketing_subscriptions,
        }
    }

    /// All the customer's rows, across the eight tables.
    pub fn total(&self) -> u64 {
        Table::ALL.iter().map(|&t| self.count(t)).sum()
    }
}

/// What customer `i` (1-based) owns in every table. Pure: it does not depend on the
/// seed, so a test counts what fulfilment returns against it.
pub fn expected(i: u64) -> CustomerRows {
    let orders = order_count(i);
    let order_items = (0..orders).map(|k| item_count(order_id(i, k))).sum();
    CustomerRows {
        id: i,
        email: customer_email(i),
        phone: phone(i),
        addresses: address_count(i),
        login_sessions: session_count(i),
        orders,
        order_items,
        payment_cards: card_count(i),
        support_tickets: ticket_count(i),
        marketing_subscriptions: subscription_count(i),
    }
}

/// How many subscribers who are not customers a workload of `customers` holds: one per
/// ten customers, numbered `1..=customers / 10`.
pub fn non_customer_subscribers(customers: u64) -> u64 {
    customers / 10
}

/// The email of the `k`-th subscriber who is not a customer.
pub fn subscriber_email(k: u64) -> String {
    format!("subscriber{k}@example.com")
}

/// The email of customer `i`.
pub fn customer_email(i: u64) -> String {
    format!("customer{i}@example.com")
}

/// The full name of customer `i` under `seed` (it appears in orders and tickets too).
pub fn full_name(seed: u64, i: u64) -> String {
    let h = rnd(seed, TAG_NAME, i, 0);
    name_from(h)
}

/// The number of rows of each table for `customers` customers, in [`Table::ALL`] order.
pub fn expected_rows(customers: u64) -> [(Table, u64); 8] {
    let mut totals = Table::ALL.map(|t| (t, 0u64));
    for i in 1..=customers {
        let rows = expected(i);
        for (table, total) in &mut totals {
            *total += rows.count(*table);
        }
    }
    totals[7].1 += non_customer_subscribers(customers);
    totals
}

// ---------------------------------------------------------------------------------
// Ids. Child ids are a pure function of the owner, so any table can be generated
// alone, in any order: customer i owns address ids 4i..4i+2, session ids 8i..8i+3,
// order ids 4i..4i+2, card id i, ticket ids 4i..4i+1, subscription id 2i; order o owns
// item ids 4o..4o+2; the k-th non-customer subscriber has subscription id 2k+1.

fn order_id(i: u64, k: u64) -> u64 {
    i * 4 + k
}

// ---------------------------------------------------------------------------------
// Counts: functions of the customer number alone (no seed).

fn count_hash(i: u64, tag: u64) -> u64 {
    splitmix(i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ tag.wrapping_mul(0xD1B5_4A32_D192_ED03))
}

fn address_count(i: u64) -> u64 {
    [0, 1, 1, 2, 2, 3][usize_of(count_hash(i, 1) % 6)]
}

fn session_count(i: u64) -> u64 {
    count_hash(i, 2) % 5
}

fn order_count(i: u64) -> u64 {
    count_hash(i, 3) % 4
}

fn item_count(order: u64) -> u64 {
    1 + count_hash(order, 4) % 3
}

fn card_count(i: u64) -> u64 {
    u64::from(count_hash(i, 5) % 10 < 6)
}

fn ticket_count(i: u64) -> u64 {
    [0, 0, 0, 0, 0, 0, 1, 1, 1, 2][usize_of(count_hash(i, 6) % 10)]
}

fn subscription_count(i: u64) -> u64 {
    u64::from(count_hash(i, 7) % 10 < 4)
}

fn phone(i: u64) -> Option<String> {
    // 555-0100 to 555-0199 are the North American numbers reserved for fiction; the
    // six digits after them make the number unique per customer. Stored without
    // spaces, in the form ombud normalizes a phone identity to (digits, leading `+`).
    (!count_hash(i, 8).is_multiple_of(5)).then(|| format!("+155501{i:06}"))
}

// ---------------------------------------------------------------------------------
// Values: functions of the seed, the table and the customer.

const TAG_NAME: u64 = 11;
const TAG_CUSTOMER: u64 = 12;
const TAG_ADDRESS: u64 = 13;
const TAG_SESSION: u64 = 14;
const TAG_ORDER: u64 = 15;
const TAG_ITEM: u64 = 16;
const TAG_CARD: u64 = 17;
const TAG_TICKET: u64 = 18;
const TAG_SUBSCRIPTION: u64 = 19;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn rnd(seed: u64, tag: u64, i: u64, k: u64) -> u64 {
    splitmix(splitmix(splitmix(seed ^ tag.wrapping_mul(0xA076_1D64_78BD_642F)) ^ i) ^ k)
}

/// A small stream of pseudo-random numbers for one row.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, tag: u64, i: u64, k: u64) -> Self {
        Self(rnd(seed, tag, i, k))
    }

    fn next(&mut self) -> u64 {
        self.0 = splitmix(self.0);
        self.0
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[usize_of(self.below(list.len() as u64))]
    }
}

fn usize_of(n: u64) -> usize {
    // Every caller reduces `n` below a list's length first.
    usize::try_from(n).unwrap_or(0)
}

fn int(n: u64) -> Val<'static> {
    // Ids and amounts stay far below i64::MAX for any workload under the limit.
    Val::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

const FIRST_NAMES: [&str; 24] = [
    "Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jordan", "Kendall", "Logan",
    "Morgan", "Parker", "Quinn", "Reese", "Riley", "Rowan", "Sage", "Skyler", "Taylor", "Tatum",
    "Jamie", "Robin", "Sam", "Alex",
];
const LAST_NAMES: [&str; 16] = [
    "Testperson",
    "Sampleton",
    "Exampleby",
    "Placeholder",
    "Fakename",
    "Demoson",
    "Mockridge",
    "Fixtureman",
    "Dummington",
    "Stubbs-Example",
    "Specimen",
    "Prototyper",
    "Testwell",
    "Samplewood",
    "Notreal",
    "Madeup",
];
const TIERS: [&str; 4] = ["none", "bronze", "silver", "gold"];
const STREETS: [&str; 8] = [
    "Sample Street",
    "Example Avenue",
    "Placeholder Road",
    "Test Lane",
    "Fixture Way",
    "Demo Boulevard",
    "Mock Court",
    "Specimen Drive",
];
const CITIES: [(&str, &str, &str); 10] = [
    ("Example City", "CA", "US"),
    ("Sampleton", "NY", "US"),
    ("Testville", "TX", "US"),
    ("Demoburg", "WA", "US"),
    ("Mockford", "IL", "US"),
    ("Fictionvale", "OR", "US"),
    ("Beispielstadt", "BE", "DE"),
    ("Exempleville", "IDF", "FR"),
    ("Sampletown", "D", "IE"),
    ("Testham", "ENG", "GB"),
];
const USER_AGENTS: [&str; 5] = [
    "Mozilla/5.0 (X11; Linux x86_64) ExampleBrowser/1.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) SampleBrowser/2.3",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) TestKit/17.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) DemoMobile/4.2",
    "ExampleShopApp/3.1 (Android 14)",
];
const ORDER_STATUSES: [&str; 5] = ["placed", "paid", "shipped", "delivered", "cancelled"];
const PRODUCTS: [&str; 12] = [
    "Sample widget, blue",
    "Example gadget, large",
    "Placeholder mug",
    "Test notebook, ruled",
    "Demo headphones",
    "Fixture lamp",
    "Mock umbrella",
    "Specimen water bottle",
    "Prototype backpack",
    "Stub socks, pair of three",
    "Example cable, 2 m",
    "Sample tea, 100 g",
];
const BRANDS: [&str; 4] = ["visa", "mastercard", "amex", "discover"];
const SUBJECTS: [&str; 8] = [
    "Where is my order?",
    "Item arrived damaged",
    "Change my delivery address",
    "Question about a charge",
    "Cannot sign in",
    "Return request",
    "Wrong size received",
    "Please update my phone number",
];
const LISTS: [&str; 3] = ["newsletter", "offers", "product-updates"];

fn name_from(h: u64) -> String {
    let first = FIRST_NAMES[usize_of(h % FIRST_NAMES.len() as u64)];
    let last = LAST_NAMES[usize_of((h >> 20) % LAST_NAMES.len() as u64)];
    format!("{first} {last}")
}

/// 2019-01-01T00:00:00Z, in seconds since the Unix epoch: the shop opens.
const SHOP_OPENS_S: u64 = 1_546_300_800;
/// Five years of seconds: the span of generated timestamps.
const SPAN_S: u64 = 5 * 365 * 86_400;

/// `YYYY-MM-DD` of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, u64, u64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, u64::try_from(m).unwrap_or(1), u64::try_from(d).unwrap_or(1))
}

fn date(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn timestamp(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rest = secs % 86_400;
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60)
}

fn created_at_s(seed: u64, i: u64) -> u64 {
    SHOP_OPENS_S + rnd(seed, TAG_CUSTOMER, i, 1) % SPAN_S
}

/// A time after the customer joined (within the generated span, plus up to a year).
fn after_join(seed: u64, i: u64, rng: &mut Rng) -> u64 {
    created_at_s(seed, i) + rng.below(365 * 86_400)
}

/// Calls `emit` with every row of `table` that belongs to customer `i` under `seed`,
/// in id order, with the columns in [`Table::columns`] order. For
/// `marketing_subscription`, every tenth customer also emits one subscriber who is not
/// a customer.
pub(crate) fn rows(table: Table, seed: u64, i: u64, emit: &mut dyn FnMut(&[Val<'_>])) {
    match table {
        Table::Customer => {
            let mut rng = Rng::new(seed, TAG_CUSTOMER, i, 0);
            let email = customer_email(i);
            let phone = phone(i);
            let name = full_name(seed, i);
            // About one in six never gave a birth date.
            let birth = (rng.below(6) != 0).then(|| date(-7305 + to_i64(rng.below(20_454))));
            let tier = rng.pick(&TIERS);
            let created = timestamp(created_at_s(seed, i));
            emit(&[
                int(i),
                Val::Str(&email),
                phone.as_deref().map_or(Val::Null, Val::Str),
                Val::Str(&name),
                birth.as_deref().map_or(Val::Null, Val::Str),
                Val::Str(tier),
                Val::Str(&created),
            ]);
        }
        Table::Address => {
            for k in 0..address_count(i) {
                let mut rng = Rng::new(seed, TAG_ADDRESS, i, k);
                let kind = if k == 1 { "billing" } else { "shipping" };
                let line1 = format!("{} {}", 1 + rng.below(9999), rng.pick(&STREETS));
                let (city, region, country) = CITIES[usize_of(rng.below(CITIES.len() as u64))];
                let postal = format!("{:05}", rng.below(100_000));
                emit(&[
                    int(i * 4 + k),
                    int(i),
                    Val::Str(kind),
                    Val::Str(&line1),
                    Val::Str(city),
                    Val::Str(region),
                    Val::Str(&postal),
                    Val::Str(country),
                ]);
            }
        }
        Table::LoginSession => {
            for k in 0..session_count(i) {
                let mut rng = Rng::new(seed, TAG_SESSION, i, k);
                let ip = match rng.below(4) {
                    0 => format!("192.0.2.{}", rng.below(256)),
                    1 => format!("198.51.100.{}", rng.below(256)),
                    2 => format!("203.0.113.{}", rng.below(256)),
                    _ => format!(
                        "2001:db8:{:x}:{:x}::{:x}",
                        rng.below(0x1_0000),
                        rng.below(0x1_0000),
                        1 + rng.below(0xffff)
                    ),
                };
                let agent = rng.pick(&USER_AGENTS);
                let started = timestamp(after_join(seed, i, &mut rng));
                emit(&[int(i * 8 + k), int(i), Val::Str(&ip), Val::Str(agent), Val::Str(&started)]);
            }
        }
        Table::Orders => {
            for k in 0..order_count(i) {
                let order = order_id(i, k);
                let mut rng = Rng::new(seed, TAG_ORDER, order, 0);
                let placed = timestamp(after_join(seed, i, &mut rng));
                let status = rng.pick(&ORDER_STATUSES);
                let total: u64 = (0..item_count(order)).map(|j| item(seed, order, j).2).sum();
                // One order in eight is a gift, shipped to someone else.
                let ship_to =
                    if rng.below(8) == 0 { name_from(rng.next()) } else { full_name(seed, i) };
                emit(&[
                    int(order),
                    int(i),
                    Val::Str(&placed),
                    Val::Str(status),
                    int(total),
                    Val::Str(&ship_to),
                ]);
            }
        }
        Table::OrderItem => {
            for k in 0..order_count(i) {
                let order = order_id(i, k);
                for j in 0..item_count(order) {
                    let (product, quantity, line_total) = item(seed, order, j);
                    let sku = format!("SKU-{:06}", product * 7919 % 1_000_000);
                    emit(&[
                        int(order * 4 + j),
                        int(order),
                        Val::Str(&sku),
                        Val::Str(PRODUCTS[usize_of(product % PRODUCTS.len() as u64)]),
                        int(quantity),
                        int(line_total / quantity),
                    ]);
                }
            }
        }
        Table::PaymentCard => {
            if card_count(i) == 1 {
                let mut rng = Rng::new(seed, TAG_CARD, i, 0);
                let brand = rng.pick(&BRANDS);
                let last4 = format!("{:04}", rng.below(10_000));
                let expiry = format!("{:02}/{}", 1 + rng.below(12), 2026 + rng.below(6));
                let token = format!("tok_test_{:016x}{:016x}", rng.next(), rng.next());
                emit(&[
                    int(i),
                    int(i),
                    Val::Str(brand),
                    Val::Str(&last4),
                    Val::Str(&expiry),
                    Val::Str(&token),
                ]);
            }
        }
        Table::SupportTicket => {
            for k in 0..ticket_count(i) {
                let mut rng = Rng::new(seed, TAG_TICKET, i, k);
                let opened = timestamp(after_join(seed, i, &mut rng));
                let subject = rng.pick(&SUBJECTS);
                let body = ticket_body(seed, i, subject, &mut rng);
                emit(&[
                    int(i * 4 + k),
                    int(i),
                    Val::Str(&opened),
                    Val::Str(subject),
                    Val::Str(&body),
                ]);
            }
        }
        Table::MarketingSubscription => {
            if subscription_count(i) == 1 {
                let mut rng = Rng::new(seed, TAG_SUBSCRIPTION, i, 0);
                let email = customer_email(i);
                let list = rng.pick(&LISTS);
                let at = timestamp(after_join(seed, i, &mut rng));
                emit(&[int(i * 2), int(i), Val::Str(&email), Val::Str(list), Val::Str(&at)]);
            }
            if i.is_multiple_of(10) {
                let k = i / 10;
                let mut rng = Rng::new(seed, TAG_SUBSCRIPTION, k, 1);
                let email = subscriber_email(k);
                let list = rng.pick(&LISTS);
                let at = timestamp(SHOP_OPENS_S + rng.below(SPAN_S));
                emit(&[int(k * 2 + 1), Val::Null, Val::Str(&email), Val::Str(list), Val::Str(&at)]);
            }
        }
    }
}

/// Item `j` of `order`: (product number, quantity, line total in cents).
fn item(seed: u64, order: u64, j: u64) -> (u64, u64, u64) {
    let mut rng = Rng::new(seed, TAG_ITEM, order, j);
    let product = rng.below(5000);
    let quantity = 1 + rng.below(3);
    let price = 199 + rng.below(19_800);
    (product, quantity, quantity * price)
}

/// Support text as people write it: sometimes signed with the customer's name, sometimes
/// giving their email address or an order number, over one or two lines.
fn ticket_body(seed: u64, i: u64, subject: &str, rng: &mut Rng) -> String {
    let mut body = String::with_capacity(256);
    body.push_str(if rng.below(2) == 0 { "Hello,\n" } else { "Hi team,\n" });
    match subject {
        "Where is my order?"
        | "Item arrived damaged"
        | "Return request"
        | "Wrong size received" => {
            let order = order_id(i, rng.below(3));
            body.push_str(&format!("this is about order {order}. "));
        }
        _ => {}
    }
    body.push_str(match rng.below(4) {
        0 => "It has been a while and I have not heard back. ",
        1 => "Could someone look into this for me? ",
        2 => "I tried the help pages but they did not answer my question. ",
        _ => "Thanks in advance for sorting this out. ",
    });
    if rng.below(3) == 0 {
        body.push_str(&format!("You can reach me at {}. ", customer_email(i)));
    }
    if rng.below(2) == 0 {
        body.push_str(&format!("\nRegards, {}", full_name(seed, i)));
    }
    body
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(-7305), "1950-01-01");
        assert_eq!(date(19_782), "2024-02-29");
        assert_eq!(timestamp(SHOP_OPENS_S + 3661), "2019-01-01 01:01:01");
    }

    #[test]
    fn counts_stay_in_their_ranges_and_average_about_ten_rows() {
        let n = 20_000;
        let mut total = 0;
        for i in 1..=n {
            let rows = expected(i);
            assert!(rows.addresses <= 3 && rows.login_sessions <= 4 && rows.orders <= 3);
            assert!(rows.order_items >= rows.orders && rows.order_items <= 3 * rows.orders);
            assert!(rows.payment_cards <= 1 && rows.support_tickets <= 2);
            assert!(rows.marketing_subscriptions <= 1);
            total += rows.total();
        }
        let average = total as f64 / n as f64;
        assert!((9.0..12.0).contains(&average), "{average}");
    }

    #[test]
    fn some_customers_have_none_of_a_table() {
        let none =
            |f: fn(&CustomerRows) -> u64| (1..=100).filter(|&i| f(&expected(i)) == 0).count();
        assert!(none(|r| r.addresses) > 0);
        assert!(none(|r| r.orders) > 0);
        assert!(none(|r| r.support_tickets) > 0);
        assert!((1..=100).any(|i| expected(i).phone.is_none()));
    }

    #[test]
    fn emitted_rows_match_expected_and_are_deterministic() {
        for i in [1, 2, 3, 10, 77, 999_999, 1_000_000] {
            let rows = expected(i);
            for table in Table::ALL {
                let mut first = Vec::new();
                rows_of(table, 42, i, &mut first);
                let mut again = Vec::new();
                rows_of(table, 42, i, &mut again);
                assert_eq!(first, again);
                let own =
                    first.iter().filter(|r| table == Table::Customer || !r[1].is_empty()).count();
                assert_eq!(own as u64, rows.count(table), "{table:?} of customer {i}");
                for row in &first {
                    assert_eq!(row.len(), table.columns().len());
                }
            }
        }
    }

    #[test]
    fn the_seed_changes_values_but_not_identities() {
        let mut a = Vec::new();
        rows_of(Table::Customer, 1, 5, &mut a);
        let mut b = Vec::new();
        rows_of(Table::Customer, 2, 5, &mut b);
        assert_eq!(a[0][..3], b[0][..3]);
        assert_ne!(a, b);
    }

    #[test]
    fn phones_are_unique_and_fit_e164() {
        let mut seen = std::collections::HashSet::new();
        for i in (1..=2_000_000).step_by(7) {
            if let Some(phone) = phone(i) {
                assert!(phone.len() <= 16, "{phone}");
                assert!(seen.insert(phone));
            }
        }
        assert_eq!(phone(1_000_000).as_deref().map(str::len), Some(14));
    }

    fn rows_of(table: Table, seed: u64, i: u64, out: &mut Vec<Vec<String>>) {
        rows(table, seed, i, &mut |row| {
            out.push(
                row.iter()
                    .map(|v| match v {
                        Val::Int(n) => n.to_string(),
                        Val::Str(s) => (*s).to_owned(),
                        Val::Null => String::new(),
                    })
                    .collect(),
            );
        });
    }
}
