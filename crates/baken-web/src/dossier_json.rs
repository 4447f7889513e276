//! A dossier as JSON, with stable field names: the JSON export and the API's
//! `GET /api/v1/dossiers/{id}` both write this.

use crate::i18n::Tr;
use crate::views::date_of;
use baken_domain::dossier::confidentiality_code;
use baken_store::DossierView;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct DossierJson {
    pub id: String,
    pub title: String,
    /// 1 (openbaar) … 8 (zeer geheim).
    pub confidentiality_level: i64,
    /// The ZGW code of the level, e.g. `vertrouwelijk`.
    pub confidentiality: String,
    /// new, assessing, action, referred, monitoring or closed.
    pub status: String,
    pub result: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    pub updated_at: i64,
    pub members: Vec<String>,
    /// The people and things in the attached signals, one line each.
    pub entities: Vec<String>,
    pub signals: Vec<DossierSignalJson>,
    pub timeline: Vec<DossierEventJson>,
    /// The decisions of the timeline, with their reasons.
    pub decisions: Vec<DossierEventJson>,
    pub tasks: Vec<DossierTaskJson>,
    pub barriers: Vec<DossierBarrierJson>,
    pub referrals: Vec<DossierReferralJson>,
}

#[derive(Serialize, ToSchema)]
pub struct DossierSignalJson {
    pub id: String,
    pub submitted_at: Option<i64>,
    pub context: String,
    pub urgency: String,
    pub highest_level: Option<String>,
    pub library_version: Option<String>,
    /// The fields as recorded (name → value).
    pub fields: Vec<(String, String)>,
    /// The stored reading, as made at submission.
    #[schema(value_type = Object)]
    pub reading: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct DossierEventJson {
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct DossierTaskJson {
    pub id: String,
    pub title: String,
    pub owner: String,
    /// YYYY-MM-DD.
    pub deadline: String,
    pub done: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DossierBarrierJson {
    pub id: String,
    pub barrier_id: String,
    pub applied_by: String,
    pub status: String,
    pub outcome: String,
}

#[derive(Serialize, ToSchema)]
pub struct DossierReferralJson {
    pub id: String,
    pub partner: String,
    pub contact: String,
    pub categories: Vec<String>,
    /// YYYY-MM-DD.
    pub date: String,
    pub created_at: i64,
}

pub fn referral_json(r: &baken_store::DossierReferral) -> DossierReferralJson {
    DossierReferralJson {
        id: r.id.clone(),
        partner: r.partner.clone(),
        contact: r.contact.clone(),
        categories: r.categories.clone(),
        date: date_of(r.created_at),
        created_at: r.created_at,
    }
}

fn event_json(e: &baken_store::DossierEvent) -> DossierEventJson {
    DossierEventJson {
        at: e.at,
        actor: e.actor.clone(),
        kind: e.kind.clone(),
        text: e.text.clone(),
    }
}

pub fn dossier_json(v: &DossierView, t: &Tr) -> DossierJson {
    let d = &v.dossier;
    DossierJson {
        id: d.id.clone(),
        title: d.title.clone(),
        confidentiality_level: d.confidentiality,
        confidentiality: confidentiality_code(d.confidentiality).to_string(),
        status: d.status.clone(),
        result: d.result.clone(),
        created_at: d.created_at,
        updated_at: d.updated_at,
        members: v.members.iter().map(|(_, n)| n.clone()).collect(),
        entities: crate::pages::dossiers::things_of(&v.signals, t),
        signals: v
            .signals
            .iter()
            .map(|s| DossierSignalJson {
                id: s.id.clone(),
                submitted_at: s.submitted_at,
                context: s.context.clone(),
                urgency: s.urgency.clone(),
                highest_level: s.highest_level.clone(),
                library_version: s.library_version.clone(),
                fields: s.fields.clone(),
                reading: s
                    .reading
                    .as_deref()
                    .and_then(|r| serde_json::from_str(r).ok()),
            })
            .collect(),
        timeline: v.events.iter().map(event_json).collect(),
        decisions: v
            .events
            .iter()
            .filter(|e| e.kind == "decision")
            .map(event_json)
            .collect(),
        tasks: v
            .tasks
            .iter()
            .map(|k| DossierTaskJson {
                id: k.id.clone(),
                title: k.title.clone(),
                owner: k.owner.clone(),
                deadline: k.deadline.clone(),
                done: k.done,
            })
            .collect(),
        barriers: v
            .barriers
            .iter()
            .map(|b| DossierBarrierJson {
                id: b.id.clone(),
                barrier_id: b.barrier_id.clone(),
                applied_by: b.applied_by.clone(),
                status: b.status.clone(),
                outcome: b.outcome.clone(),
            })
            .collect(),
        referrals: v.referrals.iter().map(referral_json).collect(),
    }
}
