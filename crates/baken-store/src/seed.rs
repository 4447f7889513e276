//! First start and demo data: the first administrator, and a demo municipality, regional
//! centre and partner agency with one user per role.

use crate::{generate_password, hash_password, AuditEntry, NewUser, Result, Store, StoreError};
use baken_domain::{Country, OrgKind, Role};

/// A login to print once. The password is a secret: print it, never log it.
pub struct Credentials {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub organisation: String,
}

pub const DEMO_MUNICIPALITY: &str = "Gemeente Demodorp";
/// The demo municipality's postcode area (fictional).
pub const DEMO_POSTCODE_AREA: (i64, i64) = (9990, 9999);
pub const DEMO_REGIONAL_CENTRE: &str = "RIEC Demoregio";
pub const DEMO_PARTNER: &str = "Politie Eenheid Demo";

/// On an empty database, create the first administrator in `org_name` (created if
/// missing). Returns `None` when users already exist.
pub async fn bootstrap_admin(
    store: &Store,
    org_name: &str,
    kind: OrgKind,
    country: Country,
    now: i64,
) -> Result<Option<Credentials>> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let org = org_named(store, org_name, kind, country, now).await?;
    let password = generate_password();
    let user = store
        .create_user(
            &NewUser {
                username: "admin",
                display_name: "Beheerder",
                password_hash: &hash_password(&password),
                must_change_password: true,
            },
            &[(org.id.clone(), Role::Administrator)],
            now,
        )
        .await?;
    store
        .append_audit(
            &AuditEntry {
                actor_org_id: Some(org.id.clone()),
                action: "user_added:administrator".into(),
                object_type: "account".into(),
                object_id: Some(user.id),
                purpose: "first start".into(),
                result: "ok".into(),
                ..Default::default()
            },
            now,
        )
        .await?;
    Ok(Some(Credentials {
        username: "admin".into(),
        password,
        role: Role::Administrator,
        organisation: org.name,
    }))
}

async fn org_named(
    store: &Store,
    name: &str,
    kind: OrgKind,
    country: Country,
    now: i64,
) -> Result<crate::Organisation> {
    match store.org_by_name(name).await {
        Ok(org) => Ok(org),
        Err(StoreError::NotFound) => store.create_org(name, kind, country, now).await,
        Err(e) => Err(e),
    }
}

/// Seed the demo organisations and one user per role. Idempotent: once the demo users
/// exist nothing is added and no logins are returned (their passwords were shown once).
pub async fn seed_demo(store: &Store, now: i64) -> Result<Vec<Credentials>> {
    if store.user_by_username("demo-frontline").await.is_ok() {
        return Ok(Vec::new());
    }
    let municipality = org_named(
        store,
        DEMO_MUNICIPALITY,
        OrgKind::Municipality,
        Country::NL,
        now,
    )
    .await?;
    let centre = org_named(
        store,
        DEMO_REGIONAL_CENTRE,
        OrgKind::RegionalCentre,
        Country::NL,
        now,
    )
    .await?;
    let partner = org_named(store, DEMO_PARTNER, OrgKind::Police, Country::NL, now).await?;
    // The demo municipality and partner belong to the demo regional centre's region.
    for org in [&municipality, &partner] {
        store.set_org_region(&org.id, &centre.id).await?;
    }
    // Public reports about a place with postcode 9990–9999 reach the demo municipality.
    store
        .set_postcode_areas(&municipality.id, &[DEMO_POSTCODE_AREA])
        .await?;
    let mut out = Vec::new();
    for role in Role::ALL {
        let org = match role {
            Role::RegionalAnalyst => &centre,
            Role::Partner => &partner,
            _ => &municipality,
        };
        let username = format!("demo-{}", role.as_str().replace('_', "-"));
        let password = generate_password();
        let display = format!("Demo {}", role.as_str().replace('_', " "));
        let user = store
            .create_user(
                &NewUser {
                    username: &username,
                    display_name: &display,
                    password_hash: &hash_password(&password),
                    must_change_password: false,
                },
                &[(org.id.clone(), role)],
                now,
            )
            .await?;
        store
            .append_audit(
                &AuditEntry {
                    actor_org_id: Some(org.id.clone()),
                    action: format!("user_added:{}", role.as_str()),
                    object_type: "account".into(),
                    object_id: Some(user.id),
                    purpose: "demo".into(),
                    result: "ok".into(),
                    ..Default::default()
                },
                now,
            )
            .await?;
        out.push(Credentials {
            username,
            password,
            role,
            organisation: org.name.clone(),
        });
    }
    store
        .replace_contacts(&municipality.id, &demo_contacts(), now)
        .await?;
    Ok(out)
}

/// A few contact points of the demo network.
pub fn demo_contacts() -> Vec<baken_domain::contacts::ContactPoint> {
    let c = |partner: &str,
             name: &str,
             country: Country,
             region: &str,
             phenomena: &[&str],
             phone: &str,
             email: &str,
             address: &str,
             hours: &str| baken_domain::contacts::ContactPoint {
        partner: partner.into(),
        name: name.into(),
        country,
        region: region.into(),
        phenomena: phenomena.iter().map(|p| p.to_string()).collect(),
        phone: phone.into(),
        email: email.into(),
        address: address.into(),
        hours: hours.into(),
        organisation: String::new(),
    };
    let mut contacts = vec![
        c(
            DEMO_PARTNER,
            "Team Mensenhandel, wachtcommandant",
            Country::NL,
            "Demoregio",
            &[],
            "088 169 0000",
            "mensenhandel@politie-demo.example",
            "Bureaustraat 1, Demodorp",
            "24/7",
        ),
        c(
            "Nederlandse Arbeidsinspectie",
            "Meldpunt arbeidsuitbuiting",
            Country::NL,
            "Demoregio",
            &["labour_exploitation"],
            "070 333 4444",
            "meldpunt@arbeidsinspectie.example",
            "",
            "ma-vr 9-17",
        ),
        c(
            "CoMensha",
            "Coördinatie slachtofferzorg",
            Country::NL,
            "Landelijk",
            &[
                "sexual_exploitation",
                "labour_exploitation",
                "criminal_exploitation",
            ],
            "033 448 1186",
            "info@comensha.example",
            "",
            "ma-vr 9-17",
        ),
        c(
            "Payoke",
            "Opvang slachtoffers",
            Country::BE,
            "Antwerpen",
            &["sexual_exploitation", "labour_exploitation"],
            "+32 3 201 16 90",
            "admin@payoke.example",
            "Leguit 4, Antwerpen",
            "ma-vr 9-17",
        ),
    ];
    // The demo police unit uses this Baken: referrals to it reach its referral inbox.
    contacts[0].organisation = DEMO_PARTNER.into();
    contacts
}
