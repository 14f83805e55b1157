//! Display names for runs started without one.
//!
//! W&B's server names such a run `adjective-noun-N` (`dazzling-sunset-7`),
//! where `N` is the number of runs in the project when the run is created,
//! and the client prints that name. Users read these names in run lists and
//! charts, so they are short, lower-case and friendly; the number keeps
//! them apart within a project. The rule is pure: the caller supplies the
//! randomness and the number, and the store (which knows the count inside
//! the transaction that creates the run) decides when to call it.

use rand::Rng;

/// Adjectives, the first word of a generated name.
pub const ADJECTIVES: &[&str] = &[
    "amber",
    "ancient",
    "autumn",
    "bold",
    "brave",
    "bright",
    "brisk",
    "calm",
    "celestial",
    "clear",
    "clever",
    "cosmic",
    "crimson",
    "crisp",
    "dainty",
    "dashing",
    "dazzling",
    "deep",
    "dry",
    "dusky",
    "eager",
    "earthy",
    "elegant",
    "electric",
    "fancy",
    "fearless",
    "fiery",
    "fine",
    "floral",
    "fluent",
    "fragrant",
    "frosty",
    "gallant",
    "gentle",
    "giddy",
    "glad",
    "glorious",
    "golden",
    "graceful",
    "grateful",
    "hardy",
    "hearty",
    "honest",
    "icy",
    "jolly",
    "jumping",
    "kind",
    "lambent",
    "leafy",
    "light",
    "lively",
    "lucky",
    "lunar",
    "major",
    "mellow",
    "misty",
    "morning",
    "noble",
    "northern",
    "olive",
    "pious",
    "playful",
    "polar",
    "proud",
    "quiet",
    "radiant",
    "rare",
    "restful",
    "rosy",
    "royal",
    "rural",
    "sandy",
    "scarlet",
    "serene",
    "sharp",
    "silent",
    "silver",
    "smooth",
    "snowy",
    "solar",
    "spring",
    "stellar",
    "still",
    "stoic",
    "summer",
    "sunny",
    "swift",
    "tender",
    "twilight",
    "upbeat",
    "vague",
    "valiant",
    "vibrant",
    "vivid",
    "warm",
    "wandering",
    "wild",
    "winter",
    "wise",
    "woven",
    "youthful",
    "zesty",
];

/// Nouns, the second word of a generated name.
pub const NOUNS: &[&str] = &[
    "aurora",
    "bird",
    "blaze",
    "bloom",
    "breeze",
    "brook",
    "butterfly",
    "canyon",
    "cherry",
    "cloud",
    "comet",
    "cosmos",
    "dawn",
    "deluge",
    "dew",
    "disco",
    "donkey",
    "dream",
    "dust",
    "eon",
    "feather",
    "fern",
    "field",
    "firefly",
    "flower",
    "fog",
    "forest",
    "frost",
    "galaxy",
    "glade",
    "glitter",
    "grass",
    "grove",
    "haze",
    "hill",
    "horizon",
    "lake",
    "leaf",
    "lion",
    "meadow",
    "microwave",
    "mist",
    "moon",
    "mountain",
    "night",
    "oath",
    "ocean",
    "orchid",
    "paper",
    "pebble",
    "pine",
    "planet",
    "plasma",
    "pond",
    "rain",
    "resonance",
    "river",
    "salad",
    "sea",
    "serenity",
    "shadow",
    "shape",
    "sky",
    "smoke",
    "snow",
    "snowflake",
    "sound",
    "spaceship",
    "spark",
    "star",
    "starlight",
    "sun",
    "sunset",
    "surf",
    "thunder",
    "tree",
    "universe",
    "valley",
    "vortex",
    "water",
    "wave",
    "wildflower",
    "wind",
    "wood",
];

/// The display name `adjective-noun-number`, the words drawn from `rng`.
pub fn display_name(rng: &mut impl Rng, number: i64) -> String {
    let adjective = ADJECTIVES[rng.gen_range(0..ADJECTIVES.len())];
    let noun = NOUNS[rng.gen_range(0..NOUNS.len())];
    format!("{adjective}-{noun}-{number}")
}

/// A display name for the run that makes a project's run count `number`,
/// with words from the thread's random source.
pub fn fresh_display_name(number: i64) -> String {
    display_name(&mut rand::thread_rng(), number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn names_are_adjective_noun_number() {
        let mut rng = StdRng::seed_from_u64(7);
        for number in [1, 2, 42, 10_000] {
            let name = display_name(&mut rng, number);
            let parts: Vec<&str> = name.split('-').collect();
            assert_eq!(parts.len(), 3, "{name}");
            assert!(ADJECTIVES.contains(&parts[0]), "{name}");
            assert!(NOUNS.contains(&parts[1]), "{name}");
            assert_eq!(parts[2], number.to_string());
        }
    }

    #[test]
    fn the_same_randomness_gives_the_same_name() {
        let a = display_name(&mut StdRng::seed_from_u64(3), 5);
        let b = display_name(&mut StdRng::seed_from_u64(3), 5);
        assert_eq!(a, b);
    }

    #[test]
    fn words_vary_with_the_randomness() {
        let mut rng = StdRng::seed_from_u64(11);
        let words: std::collections::HashSet<String> =
            (0..50).map(|_| display_name(&mut rng, 1)).collect();
        assert!(words.len() > 10, "only {} distinct names", words.len());
    }

    #[test]
    fn word_lists_are_lower_case_single_words_without_duplicates() {
        for list in [ADJECTIVES, NOUNS] {
            let unique: std::collections::HashSet<_> = list.iter().collect();
            assert_eq!(unique.len(), list.len());
            for word in list {
                assert!(
                    !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase()),
                    "{word}"
                );
            }
        }
    }
}
