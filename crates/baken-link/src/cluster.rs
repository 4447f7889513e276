//! Clustering: connected components of the links above the threshold, merged strongest
//! link first, with a guard against long chains. Two groups are joined only if the
//! result stays within `cluster_size_max` records and, when both groups already hold
//! more than one record, at least `density_min` of the possible links between them
//! are above the threshold. A chain `a–b–c–d` where `a` and `d` do not resemble each
//! other therefore stays two clusters instead of one.

/// A scored pair of record indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub a: u32,
    pub b: u32,
    pub bits: f32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterOptions {
    pub cluster_size_max: usize,
    pub density_min: f64,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            cluster_size_max: 64,
            density_min: 0.5,
        }
    }
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

/// Cluster representative (the smallest record index of its cluster) per record, and
/// the number of merges the chain guard refused.
pub fn cluster(n: usize, links: &[Scored], opts: ClusterOptions) -> (Vec<u32>, usize) {
    let mut order: Vec<u32> = (0..links.len() as u32).collect();
    order.sort_unstable_by(|&x, &y| {
        let (p, q) = (&links[x as usize], &links[y as usize]);
        q.bits
            .total_cmp(&p.bits)
            .then(p.a.cmp(&q.a))
            .then(p.b.cmp(&q.b))
    });
    // Adjacency of all links above the threshold (compressed rows), for the density
    // check.
    let mut start = vec![0u32; n + 1];
    for l in links {
        start[l.a as usize + 1] += 1;
        start[l.b as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut adj = vec![0u32; links.len() * 2];
    for l in links {
        adj[fill[l.a as usize] as usize] = l.b;
        fill[l.a as usize] += 1;
        adj[fill[l.b as usize] as usize] = l.a;
        fill[l.b as usize] += 1;
    }
    drop(fill);
    // Union-find with member lists as linked lists (next member, last member, size).
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut size = vec![1u32; n];
    let mut next_member = vec![u32::MAX; n];
    let mut last_member: Vec<u32> = (0..n as u32).collect();
    let mut refused = 0;
    for i in order {
        let l = links[i as usize];
        let (ra, rb) = (find(&mut parent, l.a), find(&mut parent, l.b));
        if ra == rb {
            continue;
        }
        let (sa, sb) = (size[ra as usize] as usize, size[rb as usize] as usize);
        if sa + sb > opts.cluster_size_max {
            refused += 1;
            continue;
        }
        if sa > 1 && sb > 1 {
            let (small, other) = if sa <= sb { (ra, rb) } else { (rb, ra) };
            let mut between = 0usize;
            let mut x = small;
            while x != u32::MAX {
                let (s, e) = (start[x as usize] as usize, start[x as usize + 1] as usize);
                for k in s..e {
                    if find(&mut parent, adj[k]) == other {
                        between += 1;
                    }
                }
                x = next_member[x as usize];
            }
            if (between as f64) < opts.density_min * (sa * sb) as f64 {
                refused += 1;
                continue;
            }
        }
        let (keep, gone) = if sa >= sb { (ra, rb) } else { (rb, ra) };
        parent[gone as usize] = keep;
        size[keep as usize] += size[gone as usize];
        let tail = last_member[keep as usize];
        next_member[tail as usize] = gone;
        last_member[keep as usize] = last_member[gone as usize];
    }
    let mut rep = vec![u32::MAX; n];
    let mut out = vec![0u32; n];
    for i in 0..n as u32 {
        let r = find(&mut parent, i) as usize;
        if rep[r] == u32::MAX {
            rep[r] = i;
        }
        out[i as usize] = rep[r];
    }
    (out, refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(a: u32, b: u32, bits: f32) -> Scored {
        Scored { a, b, bits }
    }

    #[test]
    fn components_and_chain_guard() {
        // 0-1 and 2-3 strong, 1-2 weak bridge: chain guard refuses the bridge.
        let links = [s(0, 1, 20.0), s(2, 3, 20.0), s(1, 2, 5.0)];
        let (c, refused) = cluster(5, &links, ClusterOptions::default());
        assert_eq!(c, vec![0, 0, 2, 2, 4]);
        assert_eq!(refused, 1);
        // With a second bridge the groups are dense enough to join.
        let links = [s(0, 1, 20.0), s(2, 3, 20.0), s(1, 2, 5.0), s(0, 3, 5.0)];
        let (c, _) = cluster(4, &links, ClusterOptions::default());
        assert_eq!(c, vec![0, 0, 0, 0]);
        // Triangles join singletons freely.
        let (c, _) = cluster(3, &[s(0, 1, 9.0), s(1, 2, 9.0)], ClusterOptions::default());
        assert_eq!(c, vec![0, 0, 0]);
        let opts = ClusterOptions {
            cluster_size_max: 2,
            density_min: 0.5,
        };
        let (c, refused) = cluster(3, &[s(0, 1, 9.0), s(1, 2, 8.0)], opts);
        assert_eq!((c, refused), (vec![0, 0, 2], 1));
    }
}
