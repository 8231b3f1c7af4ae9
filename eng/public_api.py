# Used by eng/public-api.sh: reads a build log, removes RS0017 symbols from PublicAPI.*.txt and adds RS0016 ones to PublicAPI.Unshipped.txt.
import sys,re
p,n,logf=sys.argv[1],sys.argv[2],sys.argv[3]
text=open(logf).read()
lines=[l for l in text.splitlines() if ('/src/'+n+'/') in l]
gone=set(m.group(1) for l in lines for m in [re.search(r"error RS0017: Symbol '(.*)' is part of the declared API",l)] if m)
new=set(m.group(1) for l in lines for m in [re.search(r"error RS0016: Symbol '(.*)' is not part of the declared public API",l)] if m)
for name in ('PublicAPI.Shipped.txt','PublicAPI.Unshipped.txt'):
    path=p+'/'+name; ls=open(path).read().rstrip('\n').split('\n')
    kept=[l for l in ls if l not in gone]
    if name.endswith('Unshipped.txt'): kept=kept[:1]+sorted(set(kept[1:])|new)
    open(path,'w').write('\n'.join(kept)+'\n')
print(n,'removed',len(gone),'added',len(new))
