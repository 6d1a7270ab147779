#!/usr/bin/env python3
"""Replay of `imgeda check duplicates` (upright, default rules) on stored window hashes, for
choosing duplicate thresholds on the ground truth without a rebuild per candidate rule.

    cd bench-data/dupbench
    ../dupvenv/bin/python ../../Benchmarks/dup_replay.py RECORDS.jsonl "{}" "{'WL': (7, 48, 16), 'LF': 48}"

RECORDS.jsonl: records with `window_hashes` and `phash_center` (`imgeda scan --window-hashes`
or `Benchmarks/Sources/window-scan`), run in the folder holding truth.json (dup_corpus.py).
Each argument is a dict of rule overrides: T (whole threshold), WT (window threshold), DT
(dHash), LT / LF (low-frequency rule: bits of 64, full bound) and WL = (low bits, full bound,
dHash) for a low-frequency rule on wholes. Prints recall over the non-geometric edits,
pairwise precision, false pairs and burst pairs grouped. Brute force over all pairs with
numpy (about 45 s for 5,108 files); groups are split into stars as DuplicateFinder does,
with simpler tie-breaks, so results can differ from imgeda's by a few pairs.
"""
import json,sys,base64,collections
import numpy as np
def stars(best):
    """Linked pairs (any iterable of (a, b)) grouped as DuplicateFinder does: connected
    components split into stars around the member with most links left."""
    nb=collections.defaultdict(set)
    for (a,b) in best: nb[a].add(b); nb[b].add(a)
    parent={}
    def f(x):
        parent.setdefault(x,x)
        while parent[x]!=x: parent[x]=parent[parent[x]]; x=parent[x]
        return x
    for (a,b) in best: parent[f(a)]=f(b)
    comps=collections.defaultdict(list)
    for x in nb: comps[f(x)].append(x)
    groups=[]
    for ms in comps.values():
        rem=set(ms)
        while len(rem)>1:
            c=max(sorted(rem),key=lambda a:len(nb[a]&rem))  # ties: approx
            g=[c]+[m for m in sorted(rem) if m!=c and m in nb[c]]
            rem-=set(g)
            if len(g)>1: groups.append(g)
    return groups
if __name__=='__main__':  # importable: dup_replay_transforms.py takes stars()
    t=json.load(open('truth.json'))
    names=[];W=[];C=[]
    for line in open(sys.argv[1]):
        r=json.loads(line)
        if 'path' not in r: continue
        b=base64.b64decode(r['window_hashes'])
        ws=[[int.from_bytes(b[5+i*40+8*k:5+i*40+8*k+8],'big') for k in range(5)] for i in range(12)]
        names.append(r['path'].split('/')[-1]); W.append(ws)
        c=int(r['phash_center'],16); C.append([(c>>(192-64*k))&((1<<64)-1) for k in range(4)])
    W=np.array(W,dtype=np.uint64); C=np.array(C,dtype=np.uint64)
    n=len(names); pc=np.bitwise_count
    def lowf(w):
        out=np.zeros(w.shape[:-1],dtype=np.uint64)
        for row in range(8):
            word=w[...,row//4]; chunk=(word>>np.uint64(48-16*(row%4)))&np.uint64(0xFFFF)
            out=(out<<np.uint64(8))|(chunk>>np.uint64(8))
        return out
    LOW=lowf(W)
    NZ=W[:,:,:4].sum(axis=2)!=0  # n,12 (sum wraps but zero only if all zero... approx)
    NZ=(W[:,:,0]|W[:,:,1]|W[:,:,2]|W[:,:,3])!=0
    info=[t['files'][nm] for nm in names]
    orig=np.array([i['original'] if i['transform']!='burst' else 'burst_'+nm for i,nm in zip(info,names)])
    idx={nm:i for i,nm in enumerate(names)}
    CROP=[1,2,3,4,5,10,11]; SAME=[6,7,8,9]
    def full(A,B): return sum(pc(A[...,k]^B[...,k]) for k in range(4)).astype(np.int64)
    def links(R):
        T,WT,DT,LT,LF=R['T'],R['WT'],R['DT'],R['LT'],R['LF']
        best={}
        def add(i,j,d):
            k=(min(i,j),max(i,j))
            if k not in best or best[k]>d: best[k]=d
        wholeW=W[:,0,:]
        for i in range(n):
            js=np.arange(i+1,n)
            if len(js)==0: continue
            d=full(W[i,0,:],wholeW[js])
            dc1=full(C[i],wholeW[js]); dc2=full(W[i,0,:],C[js])
            okw=(d<=T)|(dc1<=T)|(dc2<=T)
            ok0=okw & NZ[js,0] & NZ[i,0]
            for j,dd in zip(js[ok0],np.minimum(np.minimum(d,dc1),dc2)[ok0]): add(i,j,int(dd))
            # whole-rule extension: low rule on wholes (R['WL'])
            if R.get('WL') is not None:
                L2,F2,D2=R['WL']
                dl=pc(LOW[i,0]^LOW[js,0]); dh=pc(W[i,0,4]^W[js,0,4])
                ok=(dl<=L2)&(d<=F2)&(dh<=D2)&NZ[js,0]&NZ[i,0]&~okw
                for j,dd in zip(js[ok],d[ok]): add(i,j,int(dd))
        allj=np.arange(n)
        for i in range(n):
            for w in CROP:
                if not NZ[i,w]: continue
                js=allj[(allj!=i)&NZ[:,0]]
                d=full(W[i,w,:],wholeW[js]); dl=pc(LOW[i,w]^LOW[js,0]); dh=pc(W[i,w,4]^W[js,0,4])
                close=(d<=WT)|((d<=LF)&(dl<=LT))
                ok=close&(dh<=DT)&((W[i,w,4]!=0)|(W[js,0,4]!=0))
                for j,dd in zip(js[ok],d[ok]): add(i,j,int(dd))
            js=np.arange(i+1,n); cnt=np.zeros(len(js),int); mind=np.full(len(js),999)
            for w in SAME:
                if not NZ[i,w]: continue
                d=full(W[i,w,:],W[js,w,:]); ok=(d<=WT)&NZ[js,w]
                cnt+=ok; mind=np.where(ok,np.minimum(mind,d),mind)
            for j,dd in zip(js[cnt>=2],mind[cnt>=2]): add(i,j,int(dd))
        return best
    NONGEO=["resize50","q40","crop5","bright15","blur","watermark","gray","crop10","corner80","letterbox","pillarbox","caption","logo","rotsmall","hue"]
    def score(groups):
        gid={}
        for k,g in enumerate(groups):
            for m in g: gid[m]=k
        pairs=false=0
        for g in groups:
            c=collections.Counter(orig[g]); s=len(g)
            pairs+=s*(s-1)//2; false+=s*(s-1)//2-sum(v*(v-1)//2 for v in c.values())
        by=collections.defaultdict(dict)
        for k,i in enumerate(info):
            if i['transform']!='burst': by[i['original']][i['transform']]=k
        per=collections.Counter();tot=hit=0
        for o,vs in by.items():
            for kd in NONGEO:
                tot+=1
                a,b=vs[kd],vs['original']
                if a in gid and gid.get(a)==gid.get(b): hit+=1
                else: per[kd]+=1
        burst=sum(1 for a,b in t['burst_pairs'] if idx[a] in gid and gid.get(idx[a])==gid.get(idx[b]))
        return hit/tot,1-false/max(1,pairs),false,burst,dict(per)
    base=dict(T=24,WT=15,DT=16,LT=7,LF=40)
    for a in sys.argv[2:]:
        R=dict(base); R.update(eval(a))
        b=links(R); g=stars(b); s=score(g)
        print(a,'links',len(b),'recall %.4f prec %.4f false %d burst %d'%s[:4],s[4],flush=True)
