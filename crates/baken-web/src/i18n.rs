//! Translations: one Fluent file per language under `i18n/`, compiled into the binary.
//! Adding a language is adding a file and a row in [`Lang`].

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Nl, Lang::En, Lang::Fr];
    pub const DEFAULT: Lang = Lang::Nl;

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's own name, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Nl => "Nederlands",
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The first supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(|tag| tag.trim().to_ascii_lowercase())
            .find_map(|tag| Lang::parse(tag.split('-').next().unwrap_or("")))
    }

    fn source(self) -> &'static str {
        match self {
            Lang::Nl => include_str!("../i18n/nl.ftl"),
            Lang::En => include_str!("../i18n/en.ftl"),
            Lang::Fr => include_str!("../i18n/fr.ftl"),
        }
    }
}

pub struct Catalog {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

static GLOBAL: std::sync::OnceLock<Arc<Catalog>> = std::sync::OnceLock::new();

impl Catalog {
    /// The compiled-in catalog, loaded once. A broken translation file (caught by the
    /// tests) degrades to showing message keys rather than failing requests.
    pub fn global() -> Arc<Catalog> {
        GLOBAL
            .get_or_init(|| {
                Catalog::load().unwrap_or_else(|e| {
                    tracing::error!(error = %e, "translations failed to load");
                    Arc::new(Catalog {
                        bundles: Vec::new(),
                    })
                })
            })
            .clone()
    }

    /// Load every language; a syntax error in a translation file is a start-up error.
    pub fn load() -> Result<Arc<Catalog>, String> {
        let mut bundles = Vec::new();
        for lang in Lang::ALL {
            let resource = FluentResource::try_new(lang.source().to_string())
                .map_err(|(_, errs)| format!("i18n/{}.ftl: {errs:?}", lang.code()))?;
            let langid: unic_langid::LanguageIdentifier = lang
                .code()
                .parse()
                .map_err(|e| format!("language id {}: {e}", lang.code()))?;
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            // No Unicode isolation marks around arguments: they would show up in plain text.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errs| format!("i18n/{}.ftl: {errs:?}", lang.code()))?;
            bundles.push((lang, bundle));
        }
        Ok(Arc::new(Catalog { bundles }))
    }

    fn bundle(&self, lang: Lang) -> Option<&FluentBundle<FluentResource>> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, b)| b)
    }

    /// The message `key` in `lang`, falling back to Dutch, then to the key itself (so a
    /// missing translation is visible, never a crash).
    pub fn message(&self, lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
        for l in [lang, Lang::DEFAULT] {
            if let Some(bundle) = self.bundle(l) {
                if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                    let mut errors = vec![];
                    return bundle
                        .format_pattern(pattern, args, &mut errors)
                        .into_owned();
                }
            }
        }
        key.to_string()
    }

    /// Every message id of a language, for the completeness test.
    pub fn keys(lang: Lang) -> Vec<String> {
        lang.source()
            .lines()
            .filter_map(|l| {
                let (id, _) = l.split_once('=')?;
                let id = id.trim();
                (!id.is_empty()
                    && !l.starts_with([' ', '#', '-'])
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
                .then(|| id.to_string())
            })
            .collect()
    }
}

/// A translator bound to one request's language; templates call `t.t("key")`.
#[derive(Clone)]
pub struct Tr {
    pub lang: Lang,
    catalog: Arc<Catalog>,
}

impl Tr {
    pub fn new(lang: Lang, catalog: Arc<Catalog>) -> Tr {
        Tr { lang, catalog }
    }

    pub fn t(&self, key: &str) -> String {
        self.catalog.message(self.lang, key, None)
    }

    /// A message with one named argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), value.to_string());
        self.catalog.message(self.lang, key, Some(&args))
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        let nl = Catalog::keys(Lang::Nl);
        assert!(nl.len() > 20, "the Dutch file is the reference");
        for lang in [Lang::En, Lang::Fr] {
            let keys = Catalog::keys(lang);
            let missing: Vec<_> = nl.iter().filter(|k| !keys.contains(k)).collect();
            let extra: Vec<_> = keys.iter().filter(|k| !nl.contains(k)).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
            assert!(extra.is_empty(), "{} has unknown {extra:?}", lang.code());
        }
    }

    #[test]
    fn catalog_loads_and_translates() {
        let c = Catalog::load().unwrap();
        assert_eq!(c.message(Lang::En, "login-title", None), "Log in");
        assert_eq!(c.message(Lang::Nl, "login-title", None), "Inloggen");
        assert_eq!(c.message(Lang::Fr, "no-such-key", None), "no-such-key");
    }

    #[test]
    fn accept_language_picks_the_first_supported() {
        assert_eq!(
            Lang::from_accept_language("de-DE,fr;q=0.8,en;q=0.5"),
            Some(Lang::Fr)
        );
        assert_eq!(Lang::from_accept_language("de"), None);
    }
}
