#!/usr/bin/env python3
"""Replay of `imgeda check duplicates` with and without `--transforms` on stored window
hashes, for choosing the verification of mirrored and rotated matches without a rebuild.

    cd bench-data/dupbench
    ../dupvenv/bin/python ../../Benchmarks/dup_replay_transforms.py runs/ours.jsonl

RECORDS.jsonl: records with `window_hashes` and `phash_center` (`imgeda scan
--window-hashes`), run in the folder holding truth.json (dup_corpus.py). Brute force over all
pairs and the eight orientations with numpy (a few minutes for 5,108 files): every rule
instance that fires — wholes within 24 bits, centre, wholes by the low frequencies, a crop
or rotated window against a whole (full pHash within 15 or low frequencies within 7 and
full within 48; the dHash distance, or -1 where the orientation swaps rows and columns and
leaves none), two agreeing 50% corners — is kept with its distances, and each rule set below
is a filter of them. Byte-identical copies are left out (imgeda groups them by checksum).
Groups are split into stars as DuplicateFinder does, with simpler tie-breaks, so results can
differ from imgeda's by a few pairs. Prints, per rule set: linked pairs, pairwise precision
inside groups, false pairs, recall over the non-geometric edits and the geometric ones
(flip, 90° rotation, mirrored + cropped), and burst-like pairs grouped.
"""
import json,sys,os,base64,collections
import numpy as np
sys.path.insert(0,os.path.dirname(os.path.abspath(__file__)))
from dup_replay import stars  # the one star split of both replays
recs=sys.argv[1]
names=[];W=[];C=[]
for line in open(recs):
    r=json.loads(line)
    if 'path' not in r or not r.get('window_hashes') or r.get('is_corrupt'): continue
    ps=r.get('pixel_stats') or {}
    if ps and max(ps.get('std_r',99),ps.get('std_g',99),ps.get('std_b',99))<6: continue
    b=base64.b64decode(r['window_hashes'])
    names.append(r['path'].split('/')[-1]); W.append(b[5:])
    C.append(bytes.fromhex(r['phash_center']))
n=len(names)
raw=np.frombuffer(b''.join(W),dtype=np.uint8).reshape(n,12,40)
G=np.unpackbits(raw[:,:,:32],axis=2).reshape(n,12,16,16)   # pHash bit grids
D=np.unpackbits(raw[:,:,32:],axis=2).reshape(n,12,8,8)     # dHash bit grids
CG=np.unpackbits(np.frombuffer(b''.join(C),dtype=np.uint8).reshape(n,32),axis=1).reshape(n,16,16)
NZ=G.reshape(n,12,-1).any(axis=2)
DNZ=D.reshape(n,12,-1).any(axis=2)
T=['identity','flipH','flipV','rot180','transpose','rot90','rot270','transverse']
SWAP=[False,False,False,False,True,True,True,True]
def tparams(t):
    return {0:None,1:(False,True,False),2:(False,False,True),3:(False,True,True),4:(True,False,False),5:(True,True,False),6:(True,False,True),7:(True,True,True)}[t]
def apply(g,t):
    p=tparams(t)
    if p is None: return g
    sw,ic,ir=p
    g=g.swapaxes(-1,-2) if sw else g
    g=g.copy()
    if ic: g[...,:,1::2]^=1
    if ir: g[...,1::2,:]^=1
    return g
def dapply(d,t):
    if t==0: return d
    if t==1: return 1-d[...,:,::-1]
    if t==2: return d[...,::-1,:]
    if t==3: return 1-d[...,::-1,::-1]
    return None
def pack(g):  # (...,16,16) -> (...,4) uint64
    by=np.packbits(g.reshape(g.shape[:-2]+(256,)),axis=-1)
    return np.frombuffer(np.ascontiguousarray(by).tobytes(),dtype='>u8').reshape(g.shape[:-2]+(4,)).astype(np.uint64)
def packlow(g):
    return np.frombuffer(np.ascontiguousarray(np.packbits(g[...,:8,:8].reshape(g.shape[:-2]+(64,)),axis=-1)).tobytes(),dtype='>u8').reshape(g.shape[:-2]).astype(np.uint64)
def packd(d):
    return np.frombuffer(np.ascontiguousarray(np.packbits(d.reshape(d.shape[:-2]+(64,)),axis=-1)).tobytes(),dtype='>u8').reshape(d.shape[:-2]).astype(np.uint64)
P=pack(G); L=packlow(G); DH=packd(D); CP=pack(CG)
CORNER={2:(0,0),3:(1,0),4:(0,1),5:(1,1),6:(0,0),7:(1,0),8:(0,1),9:(1,1)}
def moved(w,t):
    if w not in CORNER: return w
    x,y=CORNER[w]
    nx,ny=[(x,y),(1-x,y),(x,1-y),(1-x,1-y),(y,x),(1-y,x),(y,1-x),(1-y,1-x)][t]
    base=6 if w>=6 else 2
    return base+ny*2+nx
pc=np.bitwise_count
def full(a,b): return (pc(a[...,0]^b[...,0])+pc(a[...,1]^b[...,1])+pc(a[...,2]^b[...,2])+pc(a[...,3]^b[...,3])).astype(np.int16)
CROP=[1,2,3,4,5,10,11]; SAME=[6,7,8,9]
rows=[]  # a,b,rule,t,wa,wb,d,low,dh(-1 none)
RULE={'whole':0,'centre':1,'wlow':2,'crop':3,'same':4}
wholeP=P[:,0]; wholeL=L[:,0]
allj=np.arange(n)
for t in range(8):
    TP=pack(apply(G,t)); TL=packlow(apply(G,t)); TD=dapply(D,t); TDH=packd(TD) if TD is not None else None
    for i in range(n):
        # whole rule (identity + t): t(a.whole) vs b.whole <= 24
        lw=pc(TL[i,0]^wholeL).astype(np.int16)
        js=allj[(lw<=24)&(allj!=i)]
        if len(js):
            d=full(TP[i,0],wholeP[js])
            for j,dd,l in zip(js,d,lw[js]):
                dh=-1 if TDH is None else int(pc(TDH[i,0]^DH[j,0]))
                if dd<=24: rows.append((i,j,0,t,0,0,dd,l,dh))
                elif dd<=48 and l<=7 and NZ[i,0] and NZ[j,0]: rows.append((i,j,2,t,0,0,dd,l,dh))
        if t==0:
            d=full(CP[i],wholeP); 
            for j in allj[(d<=24)&(allj!=i)]: rows.append((i,j,1,0,-1,0,d[j],-1,-1))
        # crop: t(a[w]) vs b.whole, and t(a.whole) vs b[w]
        for w in CROP:
            if NZ[i,w]:
                l=pc(TL[i,w]^wholeL).astype(np.int16)
                js=allj[(l<=15)&(allj!=i)&NZ[:,0]]
                if len(js):
                    d=full(TP[i,w],wholeP[js])
                    for j,dd in zip(js,d):
                        if dd<=15 or (dd<=48 and l[j]<=7):
                            dh=-1 if TDH is None else int(pc(TDH[i,w]^DH[j,0]))
                            if not(DNZ[i,w] or DNZ[j,0]): continue
                            rows.append((i,j,3,t,w,0,dd,l[j],dh))
            if NZ[i,0]:
                l=pc(TL[i,0]^L[:,w]).astype(np.int16)
                js=allj[(l<=15)&(allj!=i)&NZ[:,w]]
                if len(js):
                    d=full(TP[i,0],P[js,w])
                    for j,dd in zip(js,d):
                        if dd<=15 or (dd<=48 and l[j]<=7):
                            dh=-1 if TDH is None else int(pc(TDH[i,0]^DH[j,w]))
                            if not(DNZ[i,0] or DNZ[j,w]): continue
                            rows.append((i,j,3,t,0,w,dd,l[j],dh))
        for w in SAME:
            if not NZ[i,w]: continue
            m=moved(w,t)
            l=pc(TL[i,w]^L[:,m]).astype(np.int16)
            js=allj[(l<=15)&(allj!=i)&NZ[:,m]]
            if len(js):
                d=full(TP[i,w],P[js,m])
                for j,dd in zip(js[d<=15],d[d<=15]): rows.append((i,j,4,t,w,m,dd,l[j] if False else 0,-1))
    print('orientation',T[t],'rule hits so far',len(rows),file=sys.stderr,flush=True)
R=np.array(rows,dtype=np.int32)
t=json.load(open('truth.json'));F=t['files']
n=len(names); idx={nm:i for i,nm in enumerate(names)}
orig=[F[nm]['original'] for nm in names]
iscopy=np.array([F[nm]['transform']=='copy' for nm in names])
R=R[~iscopy[R[:,0]]&~iscopy[R[:,1]]]
a,b,rule,tt,wa,wb,d,low,dh=[R[:,k] for k in range(9)]
SWAP=tt>=4
EARLIER=["resize50","q40","crop5","bright15","blur","watermark","gray"]
HARDER=["crop10","corner80","letterbox","pillarbox","caption","logo","rotsmall","hue"]
NONGEO=EARLIER+HARDER; GEO=["flip","rot90","flipcrop"]
def base_accept(transforms=True):
    # the current Swift rules
    ok=np.zeros(len(R),bool)
    ok|=(rule==0)                       # whole within 24
    ok|=(rule==1)
    verified=(dh<0)|(dh<=16)
    ok|=(rule==2)&verified              # wholes by low freqs
    ok|=(rule==3)&verified              # crop windows (near or low)
    ok|=(rule==4)
    if not transforms: ok&=(tt==0)
    return ok
def same_rule(mask):
    # same windows need >=2 agreeing per (a,b,t)
    m=mask&(rule==4)
    cnt=collections.Counter(zip(a[m],b[m],tt[m]))
    return {(x,y) for (x,y,_),c in cnt.items() if c>=2}
def evaluate(ok, label):
    edges=set(zip(a[ok&(rule!=4)],b[ok&(rule!=4)]))|same_rule(ok)
    edges={(min(x,y),max(x,y)) for x,y in edges if x!=y}
    groups=stars(edges)
    gid={}
    for k,g in enumerate(groups):
        for m in g: gid[m]=k
    pairs=false=0
    for g in groups:
        c=collections.Counter(orig[m] for m in g); s=len(g)
        pairs+=s*(s-1)//2; false+=s*(s-1)//2-sum(v*(v-1)//2 for v in c.values())
    by=collections.defaultdict(dict)
    for k,nm in enumerate(names):
        if F[nm]['transform'] not in('burst','copy'): by[F[nm]['original']][F[nm]['transform']]=k
    def rec(kinds):
        hit=tot=0
        for o,vs in by.items():
            for kd in kinds:
                if kd not in vs or 'original' not in vs: continue
                tot+=1; x,y=vs[kd],vs['original']
                if x in gid and gid.get(x)==gid.get(y): hit+=1
        return hit/max(1,tot)
    burst=sum(1 for p,q in t['burst_pairs'] if p in idx and q in idx and idx[p] in gid and gid.get(idx[p])==gid.get(idx[q]))
    print('%-48s edges %6d prec %.4f false %4d of %5d  nongeo %.4f geo %.4f flipcrop %.3f rot90 %.3f flip %.3f rotsmall %.3f burst %d'%(
        label,len(edges),1-false/max(1,pairs),false,pairs,rec(NONGEO),rec(GEO),rec(['flipcrop']),rec(['rot90']),rec(['flip']),rec(['rotsmall']),burst),flush=True)
    return edges

cur=base_accept(True)
low_rule=((rule==3)&(d>15))|(rule==2)
evaluate(base_accept(False),'upright')
evaluate(cur,'transforms, no second check when swapped')
verified_swap=cur&~(SWAP&low_rule)
evaluate(verified_swap,'transforms, no low rule when swapped')
evaluate(verified_swap&~(SWAP&(rule==3)&(low>7)),'... and low bits <= 7 for swapped crops')
